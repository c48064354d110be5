// An applier's inventory as a tree: a Kustomization's applied objects (status.inventory) and a
// HelmRelease's release objects (status.inventory, else the objects of its current Helm release), with
// nested Kustomizations and HelmReleases expanded from the informer caches. Each node's health comes
// from the kstatus rules of src/apply/status.ts (the ones the appliers wait on); the objects the engine
// does not cache are read in one batch by `live`, and when that fails or is slow the nodes say Unknown
// and the tree carries the error instead of the page hanging.
import { parseInventoryId, type ObjectIdentity } from '../api/inventory.ts';
import { computeStatus, Status } from '../apply/status.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { statusOf, type ObjectStatus } from './status.ts';

/** An object's health in the dashboard's words (kstatus's Current is shown as Ready). */
export type Health = 'Ready' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface TreeNode extends ObjectIdentity {
  /** API version of the entry (`v1`, `apps/v1`). */
  apiVersion: string;
  health: Health;
  /** Why, in kstatus's words ("Ready: 1/3", "Resource not found"). */
  healthMessage: string;
  /** The dashboard status of a Flux object the engine serves (it has a page of its own). */
  status?: ObjectStatus;
  children?: TreeNode[];
}

export interface InventoryTree {
  nodes: TreeNode[];
  /** Where the objects came from for the root: status.inventory, or the Helm release's manifest. */
  from: 'inventory' | 'helm-release' | 'none';
  /** Objects left out beyond the node limit. */
  omitted: number;
  /** What could not be read, in words (health shown as Unknown for those objects). */
  errors: string[];
}

/** A nested applier's objects as identities with their version. */
export type Entry = ObjectIdentity & { version: string };

export interface InventoryTreeDeps {
  /** The Flux object from the engine's caches, when its kind is served. */
  cached(id: ObjectIdentity): KubeObject | undefined;
  /** The objects of a HelmRelease's current release (read from the API server); rejects with a readable error. */
  releaseObjects?(hr: KubeObject): Promise<Entry[]>;
  /**
   * The in-cluster copies of `refs` keyed by `refKey`: an object, null when not found, no key when it
   * could not be read. Rejects with a readable error when nothing could be read.
   */
  live(refs: ObjectRef[]): Promise<Map<string, KubeObject | null>>;
  /** Most nodes in a tree (default 2,000). */
  maxNodes?: number;
  /** Deepest nesting expanded (default 5). */
  maxDepth?: number;
}

const appliers = new Set(['Kustomization', 'HelmRelease']);

export const refKey = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }): string =>
  `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** kstatus result → the word shown. */
export function healthOf(obj: KubeObject | undefined): { health: Health; healthMessage: string } {
  const r = computeStatus(obj);
  const health: Health = r.status === Status.Current ? 'Ready' : r.status;
  return { health, healthMessage: r.message };
}

/** The entries of `status.inventory` (unreadable ids left out). */
export function inventoryEntries(obj: KubeObject): Entry[] {
  const inv = (obj['status'] as { inventory?: { entries?: { id: string; v: string }[] } } | undefined)?.inventory;
  const out: Entry[] = [];
  for (const e of inv?.entries ?? []) {
    try {
      out.push({ ...parseInventoryId(e.id), version: e.v });
    } catch {
      // An id this engine cannot parse was not written by it; it is shown nowhere rather than wrongly.
    }
  }
  return out;
}

/** Whether the object's status holds an inventory at all (an empty one included). */
export function hasInventory(obj: KubeObject): boolean {
  const inv = (obj['status'] as { inventory?: { entries?: unknown } } | undefined)?.inventory;
  return Array.isArray(inv?.entries);
}

const apiVersionOf = (e: Entry): string => (e.group ? `${e.group}/${e.version}` : e.version);

/** Builds the tree of `root` (a Kustomization or HelmRelease); other kinds give an empty tree. */
export async function buildInventoryTree(root: KubeObject, deps: InventoryTreeDeps): Promise<InventoryTree> {
  const maxNodes = deps.maxNodes ?? 2000;
  const maxDepth = deps.maxDepth ?? 5;
  const errors: string[] = [];
  let count = 0;
  let omitted = 0;
  const pendingLive: TreeNode[] = [];
  const visited = new Set<string>([
    refKey({
      apiVersion: root.apiVersion,
      kind: root.kind,
      namespace: root.metadata.namespace,
      name: root.metadata.name,
    }),
  ]);

  const childrenOf = async (obj: KubeObject): Promise<{ entries: Entry[]; from: InventoryTree['from'] }> => {
    const own = inventoryEntries(obj);
    // A HelmRelease reconciled since status.inventory was written has one (maybe empty): it is the answer.
    // Only one released before has none; its objects come from its Helm release's manifest.
    if (own.length > 0 || obj.kind !== 'HelmRelease' || hasInventory(obj))
      return { entries: own, from: own.length ? 'inventory' : 'none' };
    if (!deps.releaseObjects) return { entries: [], from: 'none' };
    try {
      return { entries: await deps.releaseObjects(obj), from: 'helm-release' };
    } catch (err) {
      errors.push(
        `the objects of HelmRelease ${obj.metadata.namespace}/${obj.metadata.name} could not be read: ${messageOf(err)}`,
      );
      return { entries: [], from: 'none' };
    }
  };

  const expand = async (
    obj: KubeObject,
    depth: number,
  ): Promise<{ nodes: TreeNode[]; from: InventoryTree['from'] }> => {
    const { entries, from } = await childrenOf(obj);
    const nodes: TreeNode[] = [];
    for (const e of sortEntries(entries)) {
      if (count >= maxNodes) {
        omitted++;
        continue;
      }
      count++;
      const apiVersion = apiVersionOf(e);
      const node: TreeNode = { ...e, apiVersion, health: 'Unknown', healthMessage: '' };
      delete (node as Partial<Entry>).version;
      const flux = deps.cached(e);
      if (flux) {
        Object.assign(node, healthOf(flux), { status: statusOf(flux) });
        const key = refKey({ ...e, apiVersion });
        if (appliers.has(e.kind) && depth < maxDepth && !visited.has(key)) {
          visited.add(key);
          const sub = await expand(flux, depth + 1);
          if (sub.nodes.length > 0) node.children = sub.nodes;
        }
      } else {
        pendingLive.push(node);
      }
      nodes.push(node);
    }
    return { nodes, from };
  };

  if (!appliers.has(root.kind)) return { nodes: [], from: 'none', omitted: 0, errors: [] };
  const top = await expand(root, 1);
  if (pendingLive.length > 0) {
    try {
      const found = await deps.live(pendingLive.map(toRef));
      let unread = 0;
      for (const n of pendingLive) {
        const key = refKey(toRef(n));
        if (found.has(key)) Object.assign(n, healthOf(found.get(key) ?? undefined));
        else {
          unread++;
          n.healthMessage = 'not read';
        }
      }
      if (unread > 0) errors.push(`${unread} object(s) could not be read from the API server; their health is unknown`);
    } catch (err) {
      for (const n of pendingLive) n.healthMessage = 'not read';
      errors.push(`the health of ${pendingLive.length} object(s) is unknown: ${messageOf(err)}`);
    }
  }
  return { nodes: top.nodes, from: top.from, omitted, errors };
}

function toRef(n: Pick<TreeNode, 'apiVersion' | 'kind' | 'namespace' | 'name'>): ObjectRef {
  return { apiVersion: n.apiVersion, kind: n.kind, name: n.name, ...(n.namespace ? { namespace: n.namespace } : {}) };
}

// By kind, namespace and name, so the tree reads the same on every load.
function sortEntries(entries: Entry[]): Entry[] {
  return [...entries].sort(
    (a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
