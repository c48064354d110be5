// What the dashboard reads: the informer caches of the kinds the engine serves, its event log, the drift log.
import type { DriftLog } from '../apply/drift-log.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import type { CommitStatusLog } from '../notify/providers/commit-status-log.ts';
import type { Informer } from '../runtime/informer.ts';
import type { DashboardEvent, EventLog } from './event-log.ts';
import type { Entry } from './inventory-tree.ts';

/** What the dashboard reads of an informer. */
export type KindCache = Pick<Informer, 'list' | 'get' | 'addHandlers' | 'hasSynced'>;

/** One Flux kind the engine serves, with its cache. */
export interface CachedKind {
  apiVersion: string;
  kind: string;
  cache: KindCache;
}

export interface DashboardSources {
  kinds: readonly CachedKind[];
  /** The FluxReport cache (only when its CRD is installed). */
  report?: Pick<Informer, 'list' | 'addHandlers'> | undefined;
  events: EventLog;
  /** Corrected drift (Kustomization pages show theirs). */
  driftLog?: Pick<DriftLog, 'list'>;
  /** A bounded list of one object's Kubernetes Events, newest first; the in-memory log is used without it or when it fails. */
  objectEvents?: (ref: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
  }) => Promise<DashboardEvent[]>;
  /** The commit statuses the notification dispatcher sent (object pages list theirs). */
  commitStatuses?: Pick<CommitStatusLog, 'list'>;
  /** The objects of a HelmRelease's current Helm release, when its status.inventory is empty. */
  releaseObjects?: (hr: KubeObject) => Promise<Entry[]>;
  /** The in-cluster copies of objects the engine does not cache (for their health); see `InventoryTreeDeps.live`. */
  liveObjects?: (refs: ObjectRef[]) => Promise<Map<string, KubeObject | null>>;
}
