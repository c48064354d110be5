// Types of the dashboard API (src/web/api.ts) and the calls the pages make.

export type ObjectStatus = 'ready' | 'failing' | 'suspended' | 'progressing' | 'unknown';

export interface ObjectRow {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: ObjectStatus;
  reason: string;
  message: string;
  revision: string;
  suspended: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DashboardEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  timestamp: string;
  involvedObject: { kind: string; namespace: string; name: string };
  revision?: string;
  count?: number;
}

export interface KindCounts {
  apiVersion: string;
  kind: string;
  synced: boolean;
  total: number;
  ready: number;
  failing: number;
  suspended: number;
  progressing: number;
  unknown: number;
}

export interface Overview {
  kinds: KindCounts[];
  report: {
    name: string;
    namespace: string;
    distribution: { entitlement?: string; status?: string; version?: string } | null;
    cluster: { serverVersion?: string; platform?: string; nodes?: number } | null;
    components: { name: string; ready: boolean; status: string; image?: string }[];
    sync: { id?: string; path?: string; ready?: boolean; source?: string; status?: string } | null;
    row: ObjectRow;
  } | null;
  recentEvents: DashboardEvent[];
  recentWarnings: DashboardEvent[];
}

export interface ObjectPage {
  items: ObjectRow[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface HistoryEntry {
  digest: string;
  firstReconciled?: string;
  lastReconciled?: string;
  lastReconciledDuration?: string;
  lastReconciledStatus?: string;
  totalReconciliations?: number;
  metadata?: Record<string, string>;
  /** The commit on its forge, when the source is a known forge. */
  commitUrl?: string;
}

export interface InventoryEntry {
  namespace?: string;
  name?: string;
  group?: string;
  kind?: string;
  version: string;
  id?: string;
  /** For a Flux object the engine serves (a nested Kustomization, a source): its status. */
  status?: ObjectStatus;
}

export interface ObjectDetail {
  row: ObjectRow;
  /** The current revision's commit on its forge, when known. */
  revisionUrl?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  conditions: Condition[];
  history: HistoryEntry[];
  inventory: InventoryEntry[];
  source: { kind?: string; name?: string; namespace?: string } | null;
  status: Record<string, unknown>;
  events: DashboardEvent[];
  eventsFrom: 'api-server' | 'engine-memory';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

export const fetchOverview = (): Promise<Overview> => getJson('/api/overview');

export function fetchObjects(filter: Record<string, string>): Promise<ObjectPage> {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== ''));
  return getJson(`/api/objects?${q.toString()}`);
}

export const fetchObject = (kind: string, namespace: string, name: string): Promise<ObjectDetail> =>
  getJson(`/api/objects/${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
