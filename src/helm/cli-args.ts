// The options of each helm action and the command lines they make (helm v4's flags, as helm-controller's
// action constructors set the same options through helm's Go API).

/** The postrenderer/v1 plugin that runs the helm-controller build's post-renderer. */
export const PostRenderPlugin = 'driftless-post-render';

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
