import os from 'node:os';
import path from 'node:path';
import { DefaultWatchConfigsLabelSelector } from '../api/constants.ts';

/** Everything `driftless run` can be told; read once from flags (and the environment) in the CLI. */
export interface ManagerConfig {
  kubeconfig?: string;
  /** `host:port` of /metrics (Flux default `:8080`). */
  metricsAddr: string;
  /** `host:port` of /healthz and /readyz (Flux default `:9440`). */
  healthAddr: string;
  /** `host:port` of the artifact file server (Flux default `:9090`). */
  storageAddr: string;
  /** Host (and port) put in artifact URLs; default: the loopback address of the bound storage port. */
  storageAdvAddr?: string;
  storagePath: string;
  /** `host:port` of the webhook receiver server (Flux: `:9292`). */
  receiverAddr: string;
  /** `host:port` of the HTTP event intake for external Flux controllers; empty disables it. */
  eventsAddr: string;
  /**
   * Client-side rate limit of the Kubernetes client (Flux `--kube-api-qps` 50, `--kube-api-burst` 300). As in
   * Flux, it applies only when the API server has no API Priority and Fairness (seen from the first answer's
   * `X-Kubernetes-PF-FlowSchema-UID`); with APF the server paces and its 429 `Retry-After` is honoured.
   */
  kubeApiQps: number;
  kubeApiBurst: number;
  /** Workers per controller (Flux `--concurrent`, default 4). */
  concurrent: number;
  requeueDependencyMs: number;
  enableLeaderElection: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  /** Flux's `--leader-election-lease-duration` (35 s), `--leader-election-renew-deadline` (30 s), `--leader-election-retry-period` (5 s). */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Watch all namespaces (default) or only `runtimeNamespace` (Flux `--watch-all-namespaces=false`). */
  watchAllNamespaces: boolean;
  /** The Pod's namespace (`RUNTIME_NAMESPACE`, as Flux; default flux-system). */
  runtimeNamespace: string;
  /** Flux `--watch-label-selector`: reconcile only Flux objects with matching labels (sharding). */
  watchLabelSelector?: string;
  /**
   * Flux's `--watch-configs-label-selector` (default `reconcile.fluxcd.io/watch=Enabled`; empty: every one):
   * referenced ConfigMaps and Secrets with matching labels reconcile their Kustomizations, HelmReleases and
   * Receivers when they change.
   */
  watchConfigsLabelSelector: string;
  /**
   * Components this process serves, by Flux controller name (`--controllers`), plus `flux-operator` for
   * FluxReport/FluxInstance; unset: every available one (src/config/flags.ts ReconcilerGroups).
   */
  controllers?: string[];
  defaultServiceAccount?: string;
  /**
   * Flux's `--feature-gates=ObjectLevelWorkloadIdentity=true`: the ConfigMap of `spec.kubeConfig.configMapRef`
   * may name a `serviceAccountName` whose token is sent (default false, as Flux).
   */
  objectLevelWorkloadIdentity?: boolean;
  /**
   * Flux's `--default-kubeconfig-service-account`: the ServiceAccount (in the object's namespace) whose token
   * `spec.kubeConfig.configMapRef` sends when its ConfigMap names none (multi-tenant lockdown; needs the gate).
   */
  defaultKubeConfigServiceAccount?: string;
  noCrossNamespaceRefs: boolean;
  /** Flux's `--no-remote-bases`: refuse git/http kustomize bases (default false: allowed, as in Flux). */
  noRemoteBases: boolean;
  /** Beyond Flux: watch applied objects and correct drift at once (default true). */
  driftWatch: boolean;
  kustomizeBin: string;
  /**
   * The helm v4 CLI the HelmRelease reconciler drives: `helm-controller`, helm's own command built with the
   * field manager Flux's helm-controller applies with (scripts/provision.sh helm).
   */
  helmBin: string;
  logLevel: string;
  /** Identity in the Lease and in events' `reportingInstance`. */
  identity: string;
  /** How often the FluxReport is refreshed (Flux Operator `--reporting-interval`, default 5 min). */
  reportingIntervalMs: number;
  /** `host:port` of the dashboard (default loopback `127.0.0.1:9080`); '' or '0' turns it off. */
  webAddr: string;
  /** Off loopback, let anyone read the dashboard without a token (actions still need one). */
  webAllowRemoteReadOnly: boolean;
  /** `auto`: no dashboard authentication on loopback, bearer tokens elsewhere; `token`: tokens for actions everywhere. */
  webAuth: string;
}

/** The defaults, matching Flux's controllers where a flag of the same name exists. */
export function defaultManagerConfig(): ManagerConfig {
  const cache = path.join(os.homedir(), '.cache', 'driftless');
  return {
    metricsAddr: ':8080',
    healthAddr: ':9440',
    storageAddr: ':9090',
    receiverAddr: ':9292',
    eventsAddr: ':9690',
    storagePath: path.join(cache, 'storage'),
    kubeApiQps: 50,
    kubeApiBurst: 300,
    concurrent: 4,
    requeueDependencyMs: 30_000,
    enableLeaderElection: false,
    leaderElectionNamespace: 'flux-system',
    leaderElectionId: 'driftless-leader-election',
    leaseDurationMs: 35_000,
    renewDeadlineMs: 30_000,
    retryPeriodMs: 5_000,
    watchAllNamespaces: true,
    watchConfigsLabelSelector: DefaultWatchConfigsLabelSelector,
    runtimeNamespace: 'flux-system',
    noCrossNamespaceRefs: false,
    noRemoteBases: false,
    driftWatch: true,
    kustomizeBin: path.join(cache, 'bin', 'kustomize'),
    helmBin: path.join(cache, 'bin', 'helm-controller'),
    logLevel: 'info',
    identity: `${os.hostname()}-${process.pid}`,
    reportingIntervalMs: 5 * 60_000,
    webAddr: '127.0.0.1:9080',
    webAllowRemoteReadOnly: false,
    webAuth: 'auto',
  };
}
