// Drives helm v4's CLI for the release actions (install, upgrade, test, rollback, uninstall). The binary is
// `helm-controller` (scripts/provision.sh helm): helm's own command, built with the field manager Flux's
// helm-controller applies with, since helm's main() hard-codes "helm" whatever argv[0] says.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ControllerNames } from '../api/constants.ts';
import { SizedLru } from '../util/sized-lru.ts';
import { HelmWorkerPool, type HelmRunResult } from './worker-pool.ts';
import {
  installArgs,
  PostRenderPlugin,
  rollbackArgs,
  testArgs,
  uninstallArgs,
  upgradeArgs,
  type HelmTarget,
  type InstallOptions,
  type PostRenderConfig,
  type RollbackOptions,
  type TestOptions,
  type UninstallOptions,
  type UpgradeOptions,
} from './cli-args.ts';

/** The field manager the helm-controller build applies with (helm-controller's, as under Flux). */
export const HelmFieldManager = ControllerNames.helm;

/** The environment variable the helm-controller build reads its storage namespace from. */
export const StorageNamespaceEnv = 'DRIFTLESS_HELM_STORAGE_NAMESPACE';

/** The environment variable the helm-controller build's post-renderer reads its configuration from. */
export const PostRenderEnv = 'DRIFTLESS_HELM_POST_RENDER';

/** Helm exited non-zero; `message` is its error line(s) without the `Error: ` prefix. */
export class HelmCommandError extends Error {
  override readonly name = 'HelmCommandError';
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The API server's `/version` answer (major and minor may carry a `+`). */
export interface ServerVersion {
  major: string;
  minor: string;
}

/** Whether the server validates fields itself and says so in OpenAPI v3: Kubernetes 1.27 and later (both GA there). */
export function serverValidatesFields(v: ServerVersion): boolean {
  const major = Number.parseInt(v.major, 10);
  const minor = Number.parseInt(v.minor, 10);
  return major > 1 || (major === 1 && minor >= 27);
}

/** The helm CLI, bound to one binary and one kubeconfig. */
export class HelmCli {
  private readonly bin: string;
  private readonly kubeconfig: string | undefined;
  private home: Promise<string> | undefined;
  /** The post-render plugin, written once into the home (the wrapper post-renders in process; this is its fallback). */
  private plugin: Promise<void> | undefined;
  /** `helm show crds` answers by chart digest; CRDs can be large, so the budget is in characters. */
  private readonly crdsByDigest = new SizedLru<string>(16 * 2 ** 20, (crds) => crds.length);
  private readonly crdsShowing = new Map<string, Promise<string>>();

  private readonly serverVersion: (() => Promise<ServerVersion>) | undefined;
  private readonly workers: HelmWorkerPool | undefined;
  private fieldValidationOnServer: boolean | undefined;

  /**
   * `serverVersion` answers for the engine's cluster (`kubeconfig`): when it validates fields itself, helm's
   * client-side OpenAPI check is skipped there (see {@link serverValidatesFields}).
   */
  constructor(opts: {
    bin: string;
    kubeconfig?: string;
    serverVersion?: () => Promise<ServerVersion>;
    /** Run commands in long-lived helm workers (worker-pool.ts) rather than one process each. */
    workers?: boolean;
  }) {
    this.bin = opts.bin;
    this.kubeconfig = opts.kubeconfig;
    this.serverVersion = opts.serverVersion;
    if (opts.workers) {
      this.workers = new HelmWorkerPool({
        bin: opts.bin,
        setup: async () => {
          const home = await this.helmHome();
          return { env: helmEnv(home, this.kubeconfig), dir: home };
        },
      });
    }
  }

  /**
   * Helm's OpenAPI validation (on unless `disableOpenApiValidation`) is kubectl's: for each object it asks the
   * server's OpenAPI v3 document whether the server takes `fieldValidation`, and validates on the client only
   * when it does not. From Kubernetes 1.27 every server does, so the check can only answer "the server
   * will", at the price of parsing OpenAPI documents in every helm process (0.14 CPU-seconds an install,
   * a quarter of it). Helm sends `fieldValidation=Strict` with every create and apply whatever the flag, so
   * on such a server the flag changes nothing but that cost; on an older one, or a remote cluster
   * (spec.kubeConfig) whose version is not asked, helm validates as before.
   */
  private async clientValidationOf<T extends HelmTarget & { disableOpenApiValidation?: boolean }>(o: T): Promise<T> {
    if (o.disableOpenApiValidation || o.remoteKubeConfig !== undefined || !this.serverVersion) return o;
    if (this.fieldValidationOnServer === undefined) {
      try {
        this.fieldValidationOnServer = serverValidatesFields(await this.serverVersion());
      } catch {
        return o; // Asked again next time; helm validates meanwhile.
      }
    }
    return this.fieldValidationOnServer ? { ...o, disableOpenApiValidation: true } : o;
  }

  /** Helm's config, cache and data directories: private to this process, never the user's. */
  private helmHome(): Promise<string> {
    this.home ??= mkdtemp(path.join(tmpdir(), 'driftless-helm-'));
    return this.home;
  }

  /** Removes the private Helm home. */
  async close(): Promise<void> {
    this.workers?.close();
    if (this.home) await rm(await this.home, { recursive: true, force: true });
    this.home = undefined;
    this.plugin = undefined;
  }

  /** Runs helm with `args`; resolves its stdout, rejects with HelmCommandError. */
  async run(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const home = await this.helmHome();
    if (opts.postRender) {
      this.plugin ??= this.postRenderPlugin(home).catch((err: unknown) => {
        this.plugin = undefined;
        throw err;
      });
      await this.plugin;
    }
    const env: Record<string, string> = {
      ...(opts.storageNamespace ? { [StorageNamespaceEnv]: opts.storageNamespace } : {}),
      ...(opts.postRender ? { [PostRenderEnv]: JSON.stringify(opts.postRender) } : {}),
    };
    const result =
      (this.workers && (await this.workers.run(args, env, opts.signal))) ??
      (await runOnce(this.bin, args, { ...helmEnv(home, this.kubeconfig), ...env }, opts.signal));
    if (result.code === 0) return result.stdout;
    const lines = result.stderr
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^(WARNING|level=WARN)/.test(l))
      .map((l) => l.replace(/^Error: /, ''));
    throw new HelmCommandError(lines.join('\n') || `helm exited with code ${result.code}`, args, result.stderr);
  }

  /** The plugin that makes helm run this binary as its post-renderer (`--post-renderer driftless-post-render`). */
  private async postRenderPlugin(home: string): Promise<void> {
    const dir = path.join(home, 'data', 'plugins', PostRenderPlugin);
    await mkdir(dir, { recursive: true });
    const plugin = {
      apiVersion: 'v1',
      type: 'postrenderer/v1',
      name: PostRenderPlugin,
      version: '1.0.0',
      runtime: 'subprocess',
      runtimeConfig: { platformCommand: [{ command: this.bin, args: ['__driftless-post-render'] }] },
    };
    await writeFile(path.join(dir, 'plugin.yaml'), stringify(plugin));
  }

  /**
   * Runs `fn` with the kubeconfig file of `t`: the engine's, or the target's own written to a private 0600
   * file in a private directory that is removed when `fn` settles.
   */
  private async withKubeconfig<T>(t: HelmTarget, fn: (kubeconfig: string | undefined) => Promise<T>): Promise<T> {
    if (t.remoteKubeConfig === undefined) return await fn(this.kubeconfig);
    const dir = await mkdtemp(path.join(await this.helmHome(), 'kubeconfig-'));
    const file = path.join(dir, 'config');
    try {
      await writeFile(file, t.remoteKubeConfig, { mode: 0o600 });
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Writes values to a private file for `--values` (never on the command line: they may hold secrets), and
   * the target's kubeconfig file.
   */
  private async withValues<T>(
    o: HelmTarget & { values: Record<string, unknown> },
    fn: (file: string, kubeconfig: string | undefined) => Promise<T>,
  ): Promise<T> {
    const dir = await mkdtemp(path.join(await this.helmHome(), 'values-'));
    const file = path.join(dir, 'values.yaml');
    try {
      await writeFile(file, stringify(o.values), { mode: 0o600 });
      return await this.withKubeconfig(o, (kubeconfig) => fn(file, kubeconfig));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async install(options: InstallOptions): Promise<void> {
    const o = await this.clientValidationOf(options);
    await this.withValues(o, (file, kc) => this.run(installArgs(o, file, kc), opt(o)));
  }

  async upgrade(options: UpgradeOptions): Promise<void> {
    const o = await this.clientValidationOf(options);
    await this.withValues(o, (file, kc) => this.run(upgradeArgs(o, file, kc), opt(o)));
  }

  /**
   * `helm upgrade --install --dry-run=server -o json`: renders the release as an upgrade (or a first
   * install) would, with the cluster's lookups and capabilities, storing and applying nothing. Resolves
   * the manifest helm would apply.
   */
  async dryRunUpgrade(options: UpgradeOptions): Promise<string> {
    const o = await this.clientValidationOf(options);
    const out = await this.withValues(o, (file, kc) =>
      this.run([...upgradeArgs(o, file, kc), '--install', '--dry-run=server', '-o', 'json'], opt(o)),
    );
    const rel = JSON.parse(out) as { manifest?: unknown };
    return typeof rel.manifest === 'string' ? rel.manifest : '';
  }

  async rollback(o: RollbackOptions): Promise<void> {
    await this.withKubeconfig(o, (kc) => this.run(rollbackArgs(o, kc), opt(o)));
  }

  async uninstall(o: UninstallOptions): Promise<void> {
    await this.withKubeconfig(o, (kc) => this.run(uninstallArgs(o, kc), opt(o)));
  }

  /**
   * `helm show crds`: the CRD files of the chart's crds/ directories, its dependencies' included (no cluster).
   * The answer depends on the chart's content alone, so it is kept by `digest` (the verified digest of the
   * artifact the chart came from): releases of one chart, and reconciles of an unchanged one, start no helm.
   */
  async showCrds(chartPath: string, opts: { digest?: string; signal?: AbortSignal } = {}): Promise<string> {
    const digest = opts.digest;
    if (!digest) return await this.run(['show', 'crds', chartPath], opts.signal ? { signal: opts.signal } : {});
    const cached = this.crdsByDigest.get(digest);
    if (cached !== undefined) return cached;
    // Releases of one chart reconciled at once share the one helm run. It takes no caller's signal, so one
    // caller's cancellation does not fail the others: it reads local files only and ends on its own.
    let pending = this.crdsShowing.get(digest);
    if (!pending) {
      pending = this.run(['show', 'crds', chartPath])
        .then((crds) => (this.crdsByDigest.set(digest, crds), crds))
        .finally(() => this.crdsShowing.delete(digest));
      this.crdsShowing.set(digest, pending);
    }
    return await pending;
  }

  /** `helm test`; rejects when a test hook fails (the hooks' phases are in the stored release either way). */
  async test(o: TestOptions): Promise<void> {
    await this.withKubeconfig(o, (kc) => this.run(testArgs(o, kc), opt(o)));
  }
}

/** Options of one helm run. */
interface RunOptions {
  signal?: AbortSignal;
  storageNamespace?: string;
  postRender?: PostRenderConfig;
}

/** run() options of an action: its signal, the storage namespace when it is not the release's, the post-render. */
const opt = (o: HelmTarget & { signal?: AbortSignal; postRender?: PostRenderConfig }): RunOptions => ({
  ...(o.signal ? { signal: o.signal } : {}),
  ...(o.storageNamespace && o.storageNamespace !== o.namespace ? { storageNamespace: o.storageNamespace } : {}),
  ...(o.postRender ? { postRender: o.postRender } : {}),
});

/** The environment helm runs in: its private home, and the engine's cluster when no kubeconfig is given. */
function helmEnv(home: string, kubeconfig: string | undefined): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_DATA_HOME: path.join(home, 'data'),
    ...(kubeconfig ? {} : pickEnv(['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'])),
  };
}

/** One helm process for one command line (binaries without serve mode, and when workers are off). */
async function runOnce(
  bin: string,
  args: readonly string[],
  env: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<HelmRunResult> {
  return await new Promise<HelmRunResult>((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env, ...(signal ? { signal } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(e));
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

function pickEnv(keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
