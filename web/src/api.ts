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

/** A HelmRelease's `status.history` entry: one Helm release revision. */
export interface HelmSnapshot {
  name: string;
  namespace: string;
  version: number;
  status: string;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  firstDeployed?: string;
  lastDeployed?: string;
  action?: string;
}

/** An object's health by the kstatus rules the appliers wait on (src/web/inventory-tree.ts). */
export type Health = 'Ready' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

/** One applied object, and for a nested Kustomization or HelmRelease what it applied. */
export interface TreeNode {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  apiVersion: string;
  health: Health;
  healthMessage: string;
  /** For a Flux object the engine serves (a nested Kustomization, a HelmRelease, a source): its status. */
  status?: ObjectStatus;
  children?: TreeNode[];
}

export interface InventoryTree {
  nodes: TreeNode[];
  from: 'inventory' | 'helm-release' | 'none';
  omitted: number;
  errors: string[];
}

/** One link of the source chain, nearest first (src/web/source-chain.ts). */
export interface SourceLink {
  kind: string;
  namespace: string;
  name: string;
  status: ObjectStatus;
  revision: string;
  message: string;
  url?: string;
  missing?: true;
}

/** One line of an object's timeline (src/web/activity.ts). */
export interface ActivityEntry {
  at: string;
  source: 'event' | 'commit-status' | 'helm-release';
  outcome: string;
  title: string;
  detail: string;
  revision?: string;
}

/** An object someone else changed, and when Driftless changed it back (src/apply/drift-log.ts). */
export interface DriftRecord {
  owner: { kind: string; namespace: string; name: string };
  subject: string;
  change: 'modified' | 'deleted';
  by: string;
  fields: string[];
  detectedAt?: string;
  correctedAt: string;
  revision: string;
}

/** One revision's way through the engine (src/web/timeline.ts); a missing time was not seen. */
export interface TimelineRow {
  revision: string;
  committedAt?: string;
  fetchedAt?: string;
  appliedAt?: string;
  healthyAt?: string;
  result?: string;
}

export interface GraphNode {
  id: string;
  kind: string;
  namespace: string;
  name: string;
  status: ObjectStatus;
  missing?: true;
}

export interface GraphEdge {
  from: string;
  to: string;
  type: 'source' | 'dependsOn';
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const fetchGraph = (namespace: string): Promise<Graph> =>
  getJson(`/api/graph${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`);

export interface ObjectDetail {
  row: ObjectRow;
  /** The current revision's commit on its forge, when known. */
  revisionUrl?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  conditions: Condition[];
  history: HistoryEntry[];
  inventory: InventoryTree;
  source: { kind?: string; name?: string; namespace?: string } | null;
  sourceChain: SourceLink[];
  status: Record<string, unknown>;
  events: DashboardEvent[];
  eventsFrom: 'api-server' | 'engine-memory';
  /** Why the events could not be read from the API server. */
  eventsError?: string;
  /** Events, commit statuses sent and Helm release revisions, newest first. */
  activity: ActivityEntry[];
  /** Drift this Kustomization corrected, newest first (kept in the engine's memory since it started). */
  drift: DriftRecord[];
  timeline: TimelineRow[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const tokenKey = 'driftless.token';

/** The bearer token the user signed in with (kept for this tab only). */
export const currentToken = (): string => sessionStorage.getItem(tokenKey) ?? '';

export function setToken(token: string): void {
  if (token) sessionStorage.setItem(tokenKey, token);
  else sessionStorage.removeItem(tokenKey);
}

/** Headers every API call sends: the token when signed in. */
export function authHeaders(): Record<string, string> {
  const t = currentToken();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export interface AuthInfo {
  /** Whether this dashboard offers actions at all. */
  actions: boolean;
  readRequiresToken: boolean;
  actionsRequireToken: boolean;
  /** Who the current token belongs to (null: no token, or not accepted). */
  user: string | null;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json', ...authHeaders() } });
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

export const fetchAuth = (): Promise<AuthInfo> => getJson('/api/auth');

export type Action = 'reconcile' | 'suspend' | 'resume';

/** Runs an action as the signed-in user; rejects with the server's words (401, 403, 409 …). */
export async function postAction(
  kind: string,
  namespace: string,
  name: string,
  action: Action,
  withSource = false,
): Promise<{ done: string[]; requestedAt?: string; as: string | null }> {
  const path = `/api/objects/${[kind, namespace, name, action].map(encodeURIComponent).join('/')}`;
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
    body: JSON.stringify(action === 'reconcile' ? { withSource } : {}),
  });
  const body = (await res.json().catch(() => ({}))) as {
    error?: string;
    done?: string[];
    requestedAt?: string;
    as?: string | null;
  };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return { done: body.done ?? [], ...(body.requestedAt ? { requestedAt: body.requestedAt } : {}), as: body.as ?? null };
}
