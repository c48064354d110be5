// `npm run image [-- --push <host>/<repository>]`: the Driftless container image as an OCI image layout in
// .image/oci (tag = package version), without Docker or Docker Hub. Four layers:
//   1. a Debian root filesystem (scripts/image/rootfs.ts), plus the `driftless` user (65532);
//   2. Node.js: the node binary this build runs on (its version is checked against package.json's engines);
//   3. the pinned tools from scripts/provision.sh (kustomize, sops, helm-controller), at the paths
//      `driftless run` looks for them by default ($HOME/.cache/driftless/bin) and on PATH;
//   4. the app: package.json, bin/, dist/ (`npm run build`) and the production node_modules (`npm ci --omit=dev`).
// Reproducible: every timestamp is SOURCE_DATE_EPOCH (default: the commit time of HEAD), entries are
// sorted, owners normalised; the same inputs give the same digest. Each layer is cached by its inputs in
// $DRIFTLESS_CACHE/image, so a rebuild after a source change redoes only the app layer.
// Writes .image/image.json: the manifest digest, sizes and revision, which `driftless install` reads.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { layerFromEntries, layerFromTarball, treeEntries, type LayerBlob, type LayerEntry } from './layer.ts';
import { buildRootfs, debianSuite, RootfsPackages } from './rootfs.ts';
import { ImageRecordFile, ImageUser, type ImageRecord } from '../../src/install/image.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string) => process.stderr.write(`[image] ${line}\n`);
/** Bumped when the layer writer changes what it writes: part of every layer's cache key. */
const LayerFormat = 1;
const Home = '/home/driftless';
const Tools = ['kustomize', 'sops', 'helm-controller'];

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const fileHash = (file: string) => sha256(readFileSync(file));

/** The image's source URL: $DRIFTLESS_IMAGE_SOURCE, else the origin remote without credentials, else `unknown`. */
function sourceUrl(): string {
  if (process.env['DRIFTLESS_IMAGE_SOURCE']) return process.env['DRIFTLESS_IMAGE_SOURCE'];
  try {
    const url = new URL(git('remote', 'get-url', 'origin'));
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const pushTo = args.includes('--push') ? args[args.indexOf('--push') + 1] : undefined;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
    engines: { node: string };
  };
  if (!semver.satisfies(process.version, pkg.engines.node))
    throw new Error(`node ${process.version} does not satisfy engines.node ${pkg.engines.node}`);
  const epoch = Number(process.env['SOURCE_DATE_EPOCH'] ?? git('log', '-1', '--format=%ct'));
  const revision = git('rev-parse', 'HEAD');
  const cache = path.join(process.env['DRIFTLESS_CACHE'] ?? path.join(os.homedir(), '.cache', 'driftless'), 'image');
  const blobs = path.join(cache, 'blobs');
  mkdirSync(path.join(blobs, 'sha256'), { recursive: true });
  const index: Record<string, LayerBlob> = existsSync(path.join(cache, 'layers.json'))
    ? (JSON.parse(readFileSync(path.join(cache, 'layers.json'), 'utf8')) as Record<string, LayerBlob>)
    : {};
  const cached = async (name: string, key: string, make: () => Promise<LayerBlob>): Promise<LayerBlob> => {
    const k = `${name}-${sha256(JSON.stringify([key, epoch, LayerFormat]))}`;
    const hit = index[k];
    if (hit && existsSync(path.join(blobs, 'sha256', hit.digest.slice(7)))) return hit;
    log(`layer ${name}: writing`);
    index[k] = await make();
    writeFileSync(path.join(cache, 'layers.json'), `${JSON.stringify(index, null, 1)}\n`);
    return index[k];
  };

  log('npm run build (when dist/ is stale)');
  execFileSync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: root, stdio: 'inherit' });

  // 1. Debian root filesystem; apt's own state is left out (the image has no apt), and the user added.
  const suite = debianSuite();
  const rootfs = buildRootfs(cache, log);
  const base = await cached('base', rootfs, () =>
    layerFromTarball(blobs, rootfs, epoch, (header, body) => {
      const name = header.name.replace(/^\.\//, '');
      if (/^(dev|etc\/apt|var\/lib\/apt|var\/cache\/apt|var\/log\/apt)\/./.test(name)) return undefined;
      if (name === 'etc/passwd')
        body = Buffer.concat([body, Buffer.from(`driftless:x:${ImageUser}:${ImageUser}::${Home}:/usr/sbin/nologin\n`)]);
      if (name === 'etc/group') body = Buffer.concat([body, Buffer.from(`driftless:x:${ImageUser}:\n`)]);
      return { header, body };
    }),
  );

  // 2. Node.js.
  const node = realpathSync(process.execPath);
  const nodeLayer = await cached('node', fileHash(node), () =>
    layerFromEntries(blobs, [{ path: '/usr/local/bin/node', type: 'file', from: node, mode: 0o755 }], epoch),
  );

  // 3. The pinned tools, as scripts/provision.sh built them.
  const binDir = path.join(cache, '..', 'bin');
  const toolFiles = Tools.map((t) => {
    const file = path.join(binDir, t);
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/provision.sh kustomize sops helm`);
    return { name: t, from: realpathSync(file) };
  });
  const toolEntries: LayerEntry[] = [
    { path: `${Home}/.cache`, type: 'directory' },
    { path: `${Home}/.cache/driftless`, type: 'directory' },
    { path: `${Home}/.cache/driftless/bin`, type: 'directory' },
    { path: '/usr/local/bin/helm', type: 'symlink', target: 'helm-controller' },
  ];
  for (const t of toolFiles) {
    toolEntries.push({ path: `/usr/local/bin/${t.name}`, type: 'file', from: t.from, mode: 0o755 });
    toolEntries.push({
      path: `${Home}/.cache/driftless/bin/${t.name}`,
      type: 'symlink',
      target: `/usr/local/bin/${t.name}`,
    });
  }
  const toolsLayer = await cached(
    'tools',
    toolFiles.map((t) => `${t.name}:${path.basename(t.from)}:${fileHash(t.from)}`).join(),
    () => layerFromEntries(blobs, toolEntries, epoch),
  );

  // 4. The app and its production dependencies (installed once per lockfile).
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  const depsDir = path.join(
    cache,
    `deps-${sha256(Buffer.concat([lock, readFileSync(path.join(root, 'package.json'))])).slice(0, 16)}`,
  );
  if (!existsSync(path.join(depsDir, 'node_modules'))) {
    log('npm ci --omit=dev (production dependencies)');
    const draft = `${depsDir}.draft`;
    rmSync(draft, { recursive: true, force: true });
    mkdirSync(draft, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, f), path.join(draft, f));
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      {
        cwd: draft,
        stdio: 'inherit',
      },
    );
    rmSync(depsDir, { recursive: true, force: true });
    execFileSync('mv', [draft, depsDir]);
  }
  const appEntries: LayerEntry[] = [
    { path: Home, type: 'directory', uid: ImageUser },
    { path: `${Home}/.cache/driftless/storage`, type: 'symlink', target: '/data' },
    { path: '/data', type: 'directory', uid: ImageUser },
    { path: '/app/package.json', type: 'file', from: path.join(root, 'package.json') },
    { path: '/usr/local/bin/driftless', type: 'symlink', target: '/app/bin/driftless.js' },
    ...(await treeEntries(path.join(root, 'bin'), '/app/bin')),
    ...(await treeEntries(
      path.join(root, 'dist'),
      '/app/dist',
      (rel) => rel === '.tsbuildinfo' || rel.endsWith('.draft'),
    )),
    ...(await treeEntries(
      path.join(depsDir, 'node_modules'),
      '/app/node_modules',
      (rel) => rel === '.package-lock.json',
    )),
  ];
  const appKey = sha256(
    appEntries
      .map((e) => `${e.path}\0${e.type === 'file' ? fileHash(e.from) : e.type === 'symlink' ? e.target : ''}`)
      .join('\n'),
  );
  const appLayer = await cached('app', appKey, () => layerFromEntries(blobs, appEntries, epoch));

  // Config, manifest and index.
  const layers = [base, nodeLayer, toolsLayer, appLayer];
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': 'driftless',
    'org.opencontainers.image.description': 'A Flux-compatible GitOps engine for Kubernetes in one Node.js process',
    'org.opencontainers.image.version': pkg.version,
    'org.opencontainers.image.source': sourceUrl(),
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'org.opencontainers.image.base.name': `debian:${suite} (mmdebstrap essential + ${RootfsPackages.join(',')})`,
  };
  const config = {
    created,
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: `${ImageUser}:${ImageUser}`,
      Entrypoint: ['/usr/bin/tini', '--', '/usr/local/bin/driftless', 'run'],
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `HOME=${Home}`,
        'NODE_ENV=production',
        // The image has dist/ and no src/: run the build it ships (bin/driftless.js).
        'DRIFTLESS_USE_DIST=1',
      ],
      WorkingDir: Home,
      ExposedPorts: Object.fromEntries(['8080', '9090', '9292', '9440', '9690'].map((p) => [`${p}/tcp`, {}])),
      Labels: labels,
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [
      'debian root filesystem',
      `node ${process.version}`,
      `tools ${Tools.join(', ')}`,
      `driftless ${pkg.version}`,
    ].map((comment) => ({ created, created_by: 'npm run image', comment })),
  };
  const configBody = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${sha256(configBody)}`,
      size: configBody.length,
    },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: l.digest,
      size: l.size,
    })),
    annotations: labels,
  };
  const manifestBody = Buffer.from(JSON.stringify(manifest));
  const digest = `sha256:${sha256(manifestBody)}`;

  const out = path.join(root, '.image');
  const layout = path.join(out, 'oci');
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  writeFileSync(path.join(layout, 'blobs', 'sha256', sha256(configBody)), configBody);
  writeFileSync(path.join(layout, 'blobs', 'sha256', digest.slice(7)), manifestBody);
  for (const l of layers) {
    const from = path.join(blobs, 'sha256', l.digest.slice(7));
    const to = path.join(layout, 'blobs', 'sha256', l.digest.slice(7));
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
  const indexDoc = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest,
        size: manifestBody.length,
        annotations: { 'org.opencontainers.image.ref.name': pkg.version },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  };
  writeFileSync(path.join(layout, 'index.json'), `${JSON.stringify(indexDoc)}\n`);
  const size = layers.reduce((n, l) => n + l.size, configBody.length + manifestBody.length);
  const record: ImageRecord = {
    version: pkg.version,
    digest,
    revision,
    created,
    size,
    layout: path.relative(root, layout),
  };
  if (pushTo) {
    const { pushLayout } = await import('./push.ts');
    await pushLayout(layout, pushTo, pkg.version, args.includes('--insecure'));
    record.repository = pushTo;
    log(`pushed ${pushTo}:${pkg.version}@${digest}`);
  }
  writeFileSync(path.join(out, ImageRecordFile), `${JSON.stringify(record, null, 2)}\n`);
  log(`driftless:${pkg.version}@${digest}`);
  log(
    `${(size / 1024 / 1024).toFixed(1)} MiB compressed (${layers.map((l) => `${(l.size / 1024 / 1024).toFixed(1)}`).join(' + ')} MiB layers) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

await main();
