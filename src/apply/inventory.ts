import { inventoryId, parseInventoryId } from '../api/inventory.ts';
import { InvalidInventoryIdError } from '../api/errors.ts';
import { splitApiVersion, type ObjectRef } from '../kube/types.ts';

/** One inventory entry in Flux's wire format: `id` = `<namespace>_<name>_<group>_<kind>`, `v` = version. */
export interface InventoryEntry {
  id: string;
  v: string;
}

/**
 * The inventory entry of an object or reference (cluster-scoped objects get an empty namespace field).
 * The id comes from api/inventory's codec, so `:` in RBAC names is written as `__` exactly where Flux writes it.
 */
export function objectToEntry(
  obj: ObjectRef | { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): InventoryEntry {
  const ref = 'metadata' in obj ? { ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace } : obj;
  const { group, version } = splitApiVersion(ref.apiVersion);
  return { id: inventoryId({ namespace: ref.namespace, name: ref.name, group, kind: ref.kind }), v: version };
}

/**
 * The object reference an entry points at. Throws InvalidInventoryIdError, naming the bad id, when the
 * id does not have the four fields or the version is empty (a hand-edited or corrupted status).
 */
export function entryToRef(entry: InventoryEntry): ObjectRef {
  const { namespace, name, group, kind } = parseInventoryId(entry.id);
  if (!entry.v) throw new InvalidInventoryIdError({ id: entry.id, detail: 'the entry has an empty version (v)' });
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
