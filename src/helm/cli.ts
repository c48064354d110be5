// Drives helm v4's CLI for the release actions (install, upgrade, test, rollback, uninstall). The binary is
// `helm-controller` (scripts/provision.sh helm): helm's own command, built with the field manager Flux's
// helm-controller applies with, since helm's main() hard-codes "helm" whatever argv[0] says.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ControllerNames } from '../api/constants.ts';

/** The field manager the helm-controller build applies with (helm-controller's, as under Flux). */
export const HelmFieldManager = ControllerNames.helm;

/** The environment variable the helm-controller build reads its storage namespace from. */
export const StorageNamespaceEnv = 'DRIFTLESS_HELM_STORAGE_NAMESPACE';

/** The environment variable the helm-controller build's post-renderer reads its configuration from. */
export const PostRenderEnv = 'DRIFTLESS_HELM_POST_RENDER';
/** The postrenderer/v1 plugin that runs the helm-controller build's post-renderer. */
const PostRenderPlugin = 'driftless-post-render';

/**
 * What the helm-controller build post-renders (HelmRelease spec.postRenderers, commonMetadata and the
 * origin labels helm-controller sets), with which strategy (combined, separate, nohooks).
 */
export interface PostRenderConfig {
  strategy: 'combined' | 'separate' | 'nohooks';
  kustomize: { patches: unknown[]; images: unknown[] }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  origin: Record<string, string>;
}

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

/** What every helm invocation needs: the binary, the cluster, the identity, the namespace. */
export interface HelmTarget {
  /** Namespace of the release (and of its storage, unless `storageNamespace` says otherwise). */
  namespace: string;
  /**
   * Namespace of Helm's release Secrets when it is not the release's (helm-controller's storageNamespace):
   * the helm-controller build initialises its storage driver there (DRIFTLESS_HELM_STORAGE_NAMESPACE).
   */
  storageNamespace?: string;
  /** `--kube-as-user`, e.g. `system:serviceaccount:<ns>:<sa>`. */
  asUser?: string;
  /** `--kube-as-group`, repeated. */
  asGroups?: readonly string[];
  /**
   * A kubeconfig's text (HelmRelease spec.kubeConfig) to use instead of the engine's: written to a private
   * 0600 file for the one helm run and deleted after it; never on the command line, never logged.
   */
  remoteKubeConfig?: string;
}

/** How Helm waits for the release's objects: `watcher` (kstatus, Flux's default) or `hookOnly` (disableWait). */
export type WaitStrategy = 'watcher' | 'legacy' | 'hookOnly';

export interface CommonActionOptions extends HelmTarget {
  timeoutMs: number;
  wait: WaitStrategy;
  waitForJobs: boolean;
  disableHooks?: boolean;
  signal?: AbortSignal;
}

export interface InstallOptions extends CommonActionOptions {
  release: string;
  chartPath: string;
  values: Record<string, unknown>;
  createNamespace?: boolean;
  skipCrds?: boolean;
  serverSide?: boolean;
  takeOwnership?: boolean;
  disableOpenApiValidation?: boolean;
  skipSchemaValidation?: boolean;
  replace?: boolean;
  postRender?: PostRenderConfig;
}

export interface UpgradeOptions extends CommonActionOptions {
  release: string;
  chartPath: string;
  values: Record<string, unknown>;
  maxHistory: number;
  /** `true`, `false` or `auto` (the last release's apply method). */
  serverSide?: 'true' | 'false' | 'auto';
  /** Forces conflicts when applying server-side (helm-controller always does). */
  forceConflicts?: boolean;
  /** Replace objects instead of patching (`--force-replace`; client-side apply only). */
  forceReplace?: boolean;
  takeOwnership?: boolean;
  cleanupOnFail?: boolean;
  reuseValues?: boolean;
  disableOpenApiValidation?: boolean;
  skipSchemaValidation?: boolean;
  postRender?: PostRenderConfig;
}

export interface RollbackOptions extends CommonActionOptions {
  release: string;
  version: number;
  maxHistory: number;
  serverSide?: 'true' | 'false' | 'auto';
  forceConflicts?: boolean;
  forceReplace?: boolean;
  cleanupOnFail?: boolean;
}

export interface UninstallOptions extends HelmTarget {
  release: string;
  timeoutMs: number;
  wait: WaitStrategy;
  keepHistory?: boolean;
  disableHooks?: boolean;
  deletionPropagation?: 'background' | 'foreground' | 'orphan';
  signal?: AbortSignal;
}

export interface TestOptions extends HelmTarget {
  release: string;
  timeoutMs: number;
  filters?: readonly { name: string; exclude?: boolean }[];
  signal?: AbortSignal;
}

/** Go duration for `--timeout`. */
const seconds = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/** The helm CLI, bound to one binary and one kubeconfig. */
export class HelmCli {
  private readonly bin: string;
  private readonly kubeconfig: string | undefined;
  private home: Promise<string> | undefined;

  constructor(opts: { bin: string; kubeconfig?: string }) {
    this.bin = opts.bin;
    this.kubeconfig = opts.kubeconfig;
  }

  /** Helm's config, cache and data directories: private to this process, never the user's. */
  private helmHome(): Promise<string> {
    this.home ??= mkdtemp(path.join(tmpdir(), 'driftless-helm-'));
    return this.home;
  }

  /** Removes the private Helm home. */
  async close(): Promise<void> {
    if (this.home) await rm(await this.home, { recursive: true, force: true });
    this.home = undefined;
  }

  /** Runs helm with `args`; resolves its stdout, rejects with HelmCommandError. */
  async run(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const home = await this.helmHome();
    if (opts.postRender) await this.postRenderPlugin(home);
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(this.bin, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: home,
          HELM_CONFIG_HOME: path.join(home, 'config'),
          HELM_CACHE_HOME: path.join(home, 'cache'),
          HELM_DATA_HOME: path.join(home, 'data'),
          ...(this.kubeconfig ? {} : pickEnv(['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'])),
          ...(opts.storageNamespace ? { [StorageNamespaceEnv]: opts.storageNamespace } : {}),
          ...(opts.postRender ? { [PostRenderEnv]: JSON.stringify(opts.postRender) } : {}),
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => reject(e));
      child.on('close', (code) => {
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const lines = stderr
          .split('\n')
          .filter((l) => l.trim() !== '' && !/^(WARNING|level=WARN)/.test(l))
          .map((l) => l.replace(/^Error: /, ''));
        reject(new HelmCommandError(lines.join('\n') || `helm exited with code ${code}`, args, stderr));
      });
    });
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

  async install(o: InstallOptions): Promise<void> {
    await this.withValues(o, (file, kc) => this.run(installArgs(o, file, kc), opt(o)));
  }

  async upgrade(o: UpgradeOptions): Promise<void> {
    await this.withValues(o, (file, kc) => this.run(upgradeArgs(o, file, kc), opt(o)));
  }

  /**
   * `helm upgrade --install --dry-run=server -o json`: renders the release as an upgrade (or a first
   * install) would, with the cluster's lookups and capabilities, storing and applying nothing. Resolves
   * the manifest helm would apply.
   */
  async dryRunUpgrade(o: UpgradeOptions): Promise<string> {
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

  /** `helm show crds`: the CRD files of the chart's crds/ directories, its dependencies' included (no cluster). */
  async showCrds(chartPath: string, signal?: AbortSignal): Promise<string> {
    return await this.run(['show', 'crds', chartPath], signal ? { signal } : {});
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

/** `--namespace`, `--kubeconfig` and impersonation flags. */
export function targetArgs(t: HelmTarget, kubeconfig?: string): string[] {
  const args = ['--namespace', t.namespace];
  if (kubeconfig) args.push('--kubeconfig', kubeconfig);
  if (t.asUser) args.push('--kube-as-user', t.asUser);
  for (const g of t.asGroups ?? []) args.push('--kube-as-group', g);
  return args;
}

function commonArgs(o: CommonActionOptions, kubeconfig?: string): string[] {
  const args = [...targetArgs(o, kubeconfig), '--timeout', seconds(o.timeoutMs), `--wait=${o.wait}`];
  if (o.waitForJobs && o.wait !== 'hookOnly') args.push('--wait-for-jobs');
  if (o.disableHooks) args.push('--no-hooks');
  return args;
}

/** The arguments of `helm install` (values from `valuesFile`). */
export function installArgs(o: Omit<InstallOptions, 'values'>, valuesFile: string, kubeconfig?: string): string[] {
  const args = ['install', o.release, o.chartPath, '--values', valuesFile, ...commonArgs(o, kubeconfig)];
  const ssa = o.serverSide ?? true;
  args.push(`--server-side=${ssa}`);
  if (ssa) args.push('--force-conflicts');
  if (o.createNamespace) args.push('--create-namespace');
  if (o.skipCrds) args.push('--skip-crds');
  if (o.takeOwnership) args.push('--take-ownership');
  if (o.disableOpenApiValidation) args.push('--disable-openapi-validation');
  if (o.skipSchemaValidation) args.push('--skip-schema-validation');
  if (o.replace) args.push('--replace');
  if (o.postRender) args.push('--post-renderer', PostRenderPlugin);
  return args;
}

/** The arguments of `helm upgrade`. */
export function upgradeArgs(o: Omit<UpgradeOptions, 'values'>, valuesFile: string, kubeconfig?: string): string[] {
  const args = ['upgrade', o.release, o.chartPath, '--values', valuesFile, ...commonArgs(o, kubeconfig)];
  args.push('--history-max', String(o.maxHistory), `--server-side=${o.serverSide ?? 'auto'}`);
  args.push(o.reuseValues ? '--reuse-values' : '--reset-values');
  if (o.forceConflicts) args.push('--force-conflicts');
  else if (o.forceReplace) args.push('--force-replace');
  if (o.takeOwnership) args.push('--take-ownership');
  if (o.cleanupOnFail) args.push('--cleanup-on-fail');
  if (o.disableOpenApiValidation) args.push('--disable-openapi-validation');
  if (o.skipSchemaValidation) args.push('--skip-schema-validation');
  if (o.postRender) args.push('--post-renderer', PostRenderPlugin);
  return args;
}

/** The arguments of `helm rollback`. */
export function rollbackArgs(o: RollbackOptions, kubeconfig?: string): string[] {
  const args = ['rollback', o.release, String(o.version), ...commonArgs(o, kubeconfig)];
  args.push('--history-max', String(o.maxHistory), `--server-side=${o.serverSide ?? 'auto'}`);
  if (o.forceConflicts) args.push('--force-conflicts');
  else if (o.forceReplace) args.push('--force-replace');
  if (o.cleanupOnFail) args.push('--cleanup-on-fail');
  return args;
}

/** The arguments of `helm uninstall`. */
export function uninstallArgs(o: UninstallOptions, kubeconfig?: string): string[] {
  const args = [
    'uninstall',
    o.release,
    ...targetArgs(o, kubeconfig),
    '--timeout',
    seconds(o.timeoutMs),
    `--wait=${o.wait}`,
  ];
  if (o.keepHistory) args.push('--keep-history');
  if (o.disableHooks) args.push('--no-hooks');
  args.push('--cascade', o.deletionPropagation ?? 'background');
  return args;
}

/** The arguments of `helm test`. */
export function testArgs(o: TestOptions, kubeconfig?: string): string[] {
  const args = ['test', o.release, ...targetArgs(o, kubeconfig), '--timeout', seconds(o.timeoutMs)];
  for (const f of o.filters ?? []) args.push('--filter', `${f.exclude ? '!' : ''}name=${f.name}`);
  return args;
}

function pickEnv(keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
