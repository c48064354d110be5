import { splitApiVersion, type ObjectRef } from '../kube/types.ts';

/** One inventory entry in Flux's wire format: `id` = `<namespace>_<name>_<group>_<kind>`, `v` = version. */
export interface InventoryEntry {
  id: string;
  v: string;
}

const SEPARATOR = '_';
// cli-utils transcodes ':' (legal only in RBAC names) so that the id still splits on '_'.
const COLON_TRANSCODED = '__';

/** The inventory entry of an object or reference (cluster-scoped objects get an empty namespace field). */
export function objectToEntry(
  obj: ObjectRef | { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): InventoryEntry {
  const ref = 'metadata' in obj ? { ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace } : obj;
  const { group, version } = splitApiVersion(ref.apiVersion);
  const name = ref.name.replaceAll(':', COLON_TRANSCODED);
  return { id: [ref.namespace ?? '', name, group, ref.kind].join(SEPARATOR), v: version };
}

/**
 * The object reference an entry points at. Throws when the id does not have the four fields
 * (a hand-edited or corrupted status), naming the bad id.
 */
export function entryToRef(entry: InventoryEntry): ObjectRef {
  const { id } = entry;
  const first = id.indexOf(SEPARATOR);
  const last = id.lastIndexOf(SEPARATOR);
  const beforeLast = first < 0 ? -1 : id.lastIndexOf(SEPARATOR, last - 1);
  if (first < 0 || beforeLast <= first) {
    throw new Error(`invalid inventory id "${id}": expected <namespace>_<name>_<group>_<kind>`);
  }
  const namespace = id.slice(0, first);
  const name = id.slice(first + 1, beforeLast).replaceAll(COLON_TRANSCODED, ':');
  const group = id.slice(beforeLast + 1, last);
  const kind = id.slice(last + 1);
  if (!name || !kind || !entry.v)
    throw new Error(`invalid inventory entry "${id}" (v "${entry.v}"): empty name, kind or version`);
  const ref: ObjectRef = { apiVersion: group ? `${group}/${entry.v}` : entry.v, kind, name };
  if (namespace) ref.namespace = namespace;
  return ref;
}

/** Entries sorted by id, duplicates (same id) removed keeping the last version seen. */
export function sortEntries(entries: readonly InventoryEntry[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const e of entries) byId.set(e.id, { id: e.id, v: e.v });
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The sorted inventory of a set of objects or references. */
export function inventoryOf(objects: readonly Parameters<typeof objectToEntry>[0][]): InventoryEntry[] {
  return sortEntries(objects.map(objectToEntry));
}

/**
 * Entries of `previous` whose id is missing from `next` (the objects to garbage-collect), sorted by id.
 * A version change alone is not staleness: the id ignores the version, as in Flux.
 */
export function diffInventory(previous: readonly InventoryEntry[], next: readonly InventoryEntry[]): InventoryEntry[] {
  const keep = new Set(next.map((e) => e.id));
  return sortEntries(previous.filter((e) => !keep.has(e.id)));
}
