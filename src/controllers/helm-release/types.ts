// The shapes one atomic release works with (request, outcome, action), shared by the release loop,
// its actions and the outcome recorder.
import type { HelmRelease, HelmReleaseStatus } from '../../api/helm-release.ts';
import type { HelmCli } from '../../helm/cli.ts';
import type { ReleaseStorage } from '../../helm/release-storage.ts';
import type { Values } from '../../helm/values.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { RecordOptions } from '../../runtime/events.ts';

/** The loaded chart: where helm finds it, and its Chart.yaml identity. */
export interface LoadedChart {
  path: string;
  /** The verified digest of the artifact the chart was unpacked from: its content's identity. */
  digest?: string;
  name: string;
  version: string;
  appVersion?: string;
}

/** Everything one atomic release works on; `status` is mutated in place. */
export interface ReleaseRequest {
  obj: HelmRelease;
  metadata: HelmRelease['metadata'];
  status: HelmReleaseStatus;
  chart: LoadedChart;
  values: Values;
  configDigest: string;
  releaseName: string;
  releaseNamespace: string;
  /** Namespace of Helm's release Secrets (`storage` reads the same). */
  storageNamespace: string;
  cli: HelmCli;
  storage: ReleaseStorage;
  /** The cluster as the release's identity sees it (impersonated as `asUser` when set): drift detection. */
  client: KubeClient;
  asUser?: string;
  /** The kubeconfig of spec.kubeConfig, handed to helm for every action (absent: the engine's cluster). */
  remoteKubeConfig?: string;
  /** The chart's crds/ files as `helm show crds` prints them, read once per reconcile (chartCrdsYaml). */
  crdsYaml?: string;
  forceRequested: boolean;
  signal: AbortSignal;
  /** Writes the status now (Flux patches before each action). */
  write(): Promise<void>;
  event(e: RecordOptions): Promise<void>;
}

/** How the loop ended. */
export type ReleaseOutcome =
  | { kind: 'ready' }
  /** Ready is False; retry soon (Flux: requeue). */
  | { kind: 'requeue' }
  /** Ready is False; no retry until the spec changes (Flux: terminal error). */
  | { kind: 'stalled'; reason: string; message: string }
  /** Nothing more to do now, but Ready is not True (e.g. retries exhausted): come back at the interval. */
  | { kind: 'notReady' }
  /** An action failed before storing anything: retry with backoff. */
  | { kind: 'error'; reason: string; message: string }
  /** A failure under the RetryOnFailure strategy: Ready is False; try again after the retry interval. */
  | { kind: 'retry'; afterMs: number };

export type ActionType = 'release' | 'test' | 'remediate' | 'unlock' | 'drift correction';
export type ActionName = 'install' | 'upgrade' | 'test' | 'rollback' | 'uninstall' | 'unlock' | 'correct cluster drift';
export interface Action {
  name: ActionName;
  type: ActionType;
  run(req: ReleaseRequest): Promise<void>;
}

/** The action failed before changing Helm's storage (nothing to remediate): a plain error, retried. */
export class ActionError extends Error {}

/** The release cannot progress until the spec changes (Flux's terminal errors). */
export class StalledError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
