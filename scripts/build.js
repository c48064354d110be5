#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ so bin/driftless.js starts without compiling TypeScript.
//   1. tsc -p tsconfig.build.json: emit only (`npm run lint` type-checks), incremental, `.ts` import
//      specifiers rewritten to `.js`;
//   2. dist/kube/client-node-kubeconfig.js, the one runtime import of @kubernetes/client-node, is replaced
//      by a one-file bundle of the package's KubeConfig: the package is ~900 modules and costs about a
//      CPU-second to load, the bundle a few hundredths. Without esbuild (it comes with tsx), or when the
//      bundle fails or fails its smoke test, the plain re-export stays: slower to load, same behaviour;
//   3. the whole CLI and engine (dist/cli/main.js, its packages included) bundled by esbuild into a few chunks in
//      dist/bundle/, which bin/driftless.js runs: a start then reads and compiles a handful of files instead of
//      about 450 modules and their packages' files (the engine's start to /readyz about 3x shorter). Split at the
//      dynamic imports, so `--version` or `get` never load the engine. Without it (bundle or smoke test failed)
//      bin/driftless.js runs dist/cli/main.js: slower to start, same behaviour;
//   4. the dashboard's browser UI (web/, Preact) bundled by esbuild into dist/dashboard/, which src/web serves;
//   5. the stamp that tells bin/driftless.js the build matches the sources (see bin/dist-stamp.js; web/ is an input).
// `--if-stale` (scripts/setup.sh) returns at once when dist/ already matches the sources.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleDir, distEntry, distIsFresh, inputFingerprint, stampPath, writeStamp } from '../bin/dist-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const log = (line) => process.stderr.write(`[build] ${line}\n`);

const kubeConfigModule = 'dist/kube/client-node-kubeconfig.js';
// client-node has no "exports" map, so its KubeConfig module can be bundled on its own, without the
// generated API clients the package index re-exports.
const kubeConfigSource = '@kubernetes/client-node/dist/config.js';

if (process.argv.includes('--if-stale') && distIsFresh(root)) process.exit(0);

// Taken before compiling: an edit made while tsc runs leaves the build stale, never wrongly fresh.
const fingerprint = inputFingerprint(root);
rmSync(path.join(root, stampPath), { force: true });
// tsc's incremental state says nothing about files deleted from dist/ by hand: start over then.
if (!existsSync(path.join(root, distEntry))) rmSync(path.join(root, 'dist/.tsbuildinfo'), { force: true });

log('tsc -p tsconfig.build.json');
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  log('tsc failed; dist/ is not used until a build succeeds');
  process.exit(tsc.status ?? 1);
}
await bundleKubeConfig();
await bundleEngine();
if (!(await bundleDashboard())) process.exit(1);
writeStamp(root, fingerprint);
log('dist/ is up to date');

async function bundleKubeConfig() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    log('esbuild not found: KubeConfig is loaded from the whole @kubernetes/client-node package');
    return;
  }
  const target = path.join(root, kubeConfigModule);
  const draft = target.replace(/\.js$/, '.draft.js');
  let failure;
  try {
    await esbuild.build({
      stdin: { contents: `export { KubeConfig } from '${kubeConfigSource}';`, resolveDir: root, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: draft,
      logLevel: 'warning',
      plugins: [generatedClientsAreUnused(), rarelyUsedPackagesOnDemand()],
      // Some of client-node's dependencies are CommonJS and require Node's built-ins at run time.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
    failure = smokeTest(draft);
  } catch (err) {
    failure = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  if (failure) {
    rmSync(draft, { force: true });
    // Written out, not left as found: an incremental tsc does not re-emit it, so the file may still be
    // the bundle of an earlier build (of an earlier client-node).
    writeFileSync(target, "export { KubeConfig } from '@kubernetes/client-node';\n");
    log(`the KubeConfig bundle failed (${failure}); dist/ loads the whole @kubernetes/client-node package`);
    return;
  }
  renameSync(draft, target);
  // tsc's source map described the re-export, not the bundle.
  rmSync(`${target}.map`, { force: true });
}

/**
 * Bundles dist/cli/main.js and dist/main.js (the engine, which the CLI imports on `run`) with every package they
 * import into dist/bundle/, split into chunks at the dynamic imports. Built in a draft directory, smoke-tested
 * (the CLI prints its version, the engine module loads) and swapped in; on failure dist/bundle/ is removed, so
 * bin/driftless.js never runs a bundle of older sources.
 */
async function bundleEngine() {
  const out = path.join(root, bundleDir);
  const draft = `${out}.draft`;
  rmSync(draft, { recursive: true, force: true });
  let failure;
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: { main: path.join(root, 'dist/cli/main.js'), engine: path.join(root, 'dist/main.js') },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: draft,
      logLevel: 'error',
      legalComments: 'none',
      // CommonJS packages in the bundle call require() for Node's built-ins (and lazyModule for optional ones).
      banner: {
        js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
      },
    });
    failure = smokeTestBundle(draft);
  } catch (err) {
    failure = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  rmSync(out, { recursive: true, force: true });
  if (failure) {
    rmSync(draft, { recursive: true, force: true });
    log(`the engine bundle failed (${failure}); bin/driftless.js runs dist/cli/main.js (slower start)`);
    return;
  }
  renameSync(draft, out);
  log(`${bundleDir}/ bundled`);
}

/** Runs the bundled CLI's --version and loads the bundled engine; returns what went wrong, if anything. */
function smokeTestBundle(dir) {
  const version = spawnSync(process.execPath, [path.join(dir, 'main.js'), '--version'], { encoding: 'utf8' });
  const want = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  if (version.status !== 0 || version.stdout.trim() !== want)
    return `--version printed ${JSON.stringify(version.stdout.trim())}, exit ${version.status}: ${version.stderr.trim().split('\n')[0] ?? ''}`;
  const code = `const m = await import(${JSON.stringify(pathToFileURL(path.join(dir, 'engine.js')).href)});
    if (typeof m.startEngine !== 'function') throw new Error('startEngine is not exported');`;
  const engine = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return engine.status === 0
    ? undefined
    : (engine.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? `exit ${engine.status}`);
}

/**
 * Bundles the dashboard (web/src/main.tsx, Preact) into dist/dashboard/app.js and app.css, beside
 * web/index.html: the assets `driftless run` serves, built here so starting the engine builds nothing.
 * Written to a draft directory and swapped in, so a failed bundle leaves the previous one.
 */
async function bundleDashboard() {
  const esbuild = await import('esbuild');
  const out = path.join(root, 'dist/dashboard');
  const draft = `${out}.draft`;
  rmSync(draft, { recursive: true, force: true });
  try {
    await esbuild.build({
      entryPoints: { app: path.join(root, 'web/src/main.tsx') },
      bundle: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      sourcemap: false,
      outdir: draft,
      logLevel: 'warning',
      legalComments: 'none',
    });
    await esbuild.build({
      entryPoints: { app: path.join(root, 'web/src/style.css') },
      bundle: true,
      minify: true,
      outdir: draft,
      logLevel: 'warning',
    });
    cpSync(path.join(root, 'web/index.html'), path.join(draft, 'index.html'));
  } catch (err) {
    rmSync(draft, { recursive: true, force: true });
    log(`the dashboard bundle failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return false;
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(draft, out);
  log('dist/dashboard/ bundled');
  return true;
}

/**
 * Marks client-node's generated OpenAPI code (dist/gen/) free of import side effects, so the bundle keeps
 * only the few parts KubeConfig uses (its request configuration), not the ~700 model classes the
 * package index pulls in: a module nothing uses is then dropped instead of evaluated.
 */
function generatedClientsAreUnused() {
  return {
    name: 'client-node-generated-code-is-pure',
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData === 'resolving' || !args.importer.includes('@kubernetes/client-node/dist/')) return;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (r.errors.length === 0 && r.path.includes('/@kubernetes/client-node/dist/gen/'))
          return { path: r.path, sideEffects: false };
      });
    },
  };
}

// Packages client-node's KubeConfig imports at load but needs only in rare cases: node-fetch (with whatwg-url
// and tr46's 300 KB Unicode table) for applyToFetchOptions, which Driftless never calls; the proxy agents for a
// cluster with `proxy-url`; jsonpath-plus for the azure and gcp auth providers. Each is replaced in the bundle
// by a stand-in that require()s the real package (CommonJS, in node_modules beside dist/) on first use, which
// takes about a third off the bundle's load time at every start.
function onDemandStandIns() {
  return {
    'node-fetch':
      'export class Headers { constructor(...a) { return new (load().Headers)(...a); } }\n' +
      'export default function fetch(...a) { return load()(...a); }',
    'socks-proxy-agent':
      'export class SocksProxyAgent { constructor(...a) { return new (load().SocksProxyAgent)(...a); } }',
    hpagent:
      'export class HttpProxyAgent { constructor(...a) { return new (load().HttpProxyAgent)(...a); } }\n' +
      'export class HttpsProxyAgent { constructor(...a) { return new (load().HttpsProxyAgent)(...a); } }',
    'jsonpath-plus': 'export function JSONPath(...a) { return load().JSONPath(...a); }',
  };
}

function rarelyUsedPackagesOnDemand() {
  const standIns = onDemandStandIns();
  const filter = new RegExp(`^(${Object.keys(standIns).join('|')})$`);
  return {
    name: 'rarely-used-packages-on-demand',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'on-demand' }));
      build.onLoad({ filter: /.*/, namespace: 'on-demand' }, (args) => ({
        contents:
          "import { createRequire } from 'node:module';\n" +
          `const load = () => createRequire(import.meta.url)(${JSON.stringify(args.path)});\n` +
          standIns[args.path],
        loader: 'js',
      }));
    },
  };
}

/** Loads a token kubeconfig with the bundle and reads its request options; returns what went wrong, if anything. */
function smokeTest(file) {
  const kubeconfig = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [{ name: 'u', user: { token: 'smoke' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });
  const code = `
    const { KubeConfig } = await import(${JSON.stringify(pathToFileURL(file).href)});
    const kc = new KubeConfig();
    kc.loadFromString(${JSON.stringify(kubeconfig)});
    const opts = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    if (kc.getCurrentCluster()?.server !== 'https://127.0.0.1:6443') throw new Error('server not read');
    if (opts.headers.Authorization !== 'Bearer smoke') throw new Error('token not applied');
    // The packages loaded on demand (rarelyUsedPackagesOnDemand) are found and build the same agents.
    for (const [proxyUrl, server, agentClass] of [
      ['socks5://127.0.0.1:1080', 'https://127.0.0.1:6443', 'SocksProxyAgent'],
      ['http://127.0.0.1:3128', 'https://127.0.0.1:6443', 'HttpsProxyAgent'],
      ['http://127.0.0.1:3128', 'http://127.0.0.1:8080', 'HttpProxyAgent'],
    ]) {
      const proxied = new KubeConfig();
      proxied.loadFromOptions({ clusters: [{ name: 'c', server, proxyUrl, skipTLSVerify: false }], users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      const o = { headers: {} };
      await proxied.applyToHTTPSOptions(o);
      if (o.agent?.constructor?.name !== agentClass) throw new Error(agentClass + ' not built for ' + proxyUrl);
    }
    if (typeof (await kc.applyToFetchOptions({})).headers?.get !== 'function') throw new Error('fetch Headers missing');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return r.status === 0
    ? undefined
    : (r.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? `exit ${r.status}`);
}
