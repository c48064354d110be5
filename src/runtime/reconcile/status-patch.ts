// Status written as a JSON merge patch computed from the object as read to the object as desired.
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import { refOf, type KubeObject } from '../../kube/types.ts';
import { isRecord } from '../../util/is-record.ts';

type Json = unknown;

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The RFC 7386 merge patch that turns `before` into `after`: changed values are set, removed keys
 * become `null`, arrays are replaced whole. `undefined` when they are equal (nothing to write).
 */
export function mergePatchOf(before: Json, after: Json): Json | undefined {
  if (jsonEqual(before, after)) return undefined;
  if (!isRecord(before) || !isRecord(after)) return after === undefined ? null : after;
  const patch: Record<string, Json> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[key];
    const now = after[key];
    if (now === undefined) {
      if (was !== undefined) patch[key] = null;
      continue;
    }
    if (was === undefined) {
      patch[key] = now;
      continue;
    }
    const sub = mergePatchOf(was, now);
    if (sub !== undefined) patch[key] = sub;
  }
  return patch;
}

/**
 * Writes the difference between `before` (the status as read) and `after` (as desired) to the
 * status subresource; nothing when they are equal. A merge patch carries no resourceVersion, so it
 * does not conflict with the object's other writers. Returns the object as written, the object
 * unchanged when there was nothing to write, or `undefined` when it was deleted meanwhile.
 */
export async function patchStatusDiff<T extends KubeObject>(
  client: KubeClient,
  obj: T,
  before: unknown,
  after: unknown,
): Promise<T | undefined> {
  // A snapshot: the patch must not change when the caller goes on editing its status.
  const patch = structuredClone(mergePatchOf(before ?? {}, after ?? {}));
  if (patch === undefined) return obj;
  try {
    return (await client.patch(refOf(obj), { status: patch }, { type: 'merge', subresource: 'status' })) as T;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
