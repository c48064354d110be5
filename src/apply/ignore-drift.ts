// How an apply honours drift-ignore rules, as Flux's ssa ResourceManager does: drift only in ignored paths
// is no drift; when something else drifted, each ignored path that differs is either left out of the apply
// payload (another server-side-apply manager owns it) or carries the in-cluster value (we are its only
// applier), so the apply neither reverts it nor gives up a field only we own. Creates apply everything.
import type { KubeObject } from '../kube/types.ts';
import { isRecord } from '../util/is-record.ts';
import { Action } from './changeset.ts';
import {
  ignoredPathsFor,
  parsePointer,
  removeAt,
  setAt,
  valueAt,
  withoutPaths,
  type CompiledIgnoreRule,
} from './ignore-rules.ts';
import { hasDrifted, jsonEqual } from './normalize.ts';

type Fields = Record<string, unknown>;

// The fieldsV1 trees of every Apply-operation manager of the main resource (status and scale are others).
function applyManagers(obj: KubeObject): { manager: string; fields: Fields }[] {
  return (obj.metadata.managedFields ?? [])
    .filter((e) => !e.subresource && e.operation === 'Apply' && isRecord(e.fieldsV1))
    .map((e) => ({ manager: e.manager ?? '', fields: e.fieldsV1 as Fields }));
}

function child(fields: Fields | undefined, key: string): Fields | undefined {
  const next = fields?.[key];
  return isRecord(next) ? next : undefined;
}

/**
 * The fieldsV1 keys of `pointer` in `obj`: `f:<name>` for a field, the `k:{…}` key of the list item at an
 * index (found among the managers' keys at that level by matching the item's values). `undefined` when an
 * index cannot be resolved (a list without merge keys, or an item no manager lists).
 */
function fieldsPath(obj: KubeObject, pointer: string, trees: readonly Fields[]): string[] | undefined {
  const out: string[] = [];
  let node: unknown = obj;
  for (const token of parsePointer(pointer)) {
    if (!Array.isArray(node)) {
      out.push(`f:${token}`);
      node = isRecord(node) ? node[token] : undefined;
      continue;
    }
    const item: unknown = node[Number(token)];
    if (!/^(0|[1-9][0-9]*)$/.test(token) || !isRecord(item)) return undefined;
    const keys = new Set(
      trees
        .flatMap((t) => Object.keys(out.reduce<Fields | undefined>(child, t) ?? {}))
        .filter((k) => k.startsWith('k:')),
    );
    const key = [...keys].find((k) => {
      try {
        const kv = JSON.parse(k.slice(2)) as Fields;
        return Object.entries(kv).every(([name, value]) => jsonEqual(item[name], value));
      } catch {
        return false;
      }
    });
    if (!key) return undefined;
    out.push(key);
    node = item;
  }
  return out;
}

/** True when a server-side-apply manager other than `self` owns the field at `pointer` (or part of it). */
export function ownedByOtherApplier(existing: KubeObject, pointer: string, self: string): boolean {
  const managers = applyManagers(existing);
  const path = fieldsPath(
    existing,
    pointer,
    managers.map((m) => m.fields),
  );
  if (!path) return false;
  return managers.some((m) => m.manager !== self && path.reduce<Fields | undefined>(child, m.fields) !== undefined);
}

/**
 * The apply payload for `desired` with each ignored path whose value differs between the live object and the
 * dry-run either removed (owned by another applier) or set to the live value (absent live: removed).
 */
export function ignoringPayload(
  desired: KubeObject,
  existing: KubeObject,
  dryRun: KubeObject,
  paths: readonly string[],
  self: string,
): KubeObject {
  const payload = structuredClone(desired);
  for (const p of paths) {
    const live = valueAt(existing, p);
    const after = valueAt(dryRun, p);
    if (live.found === after.found && jsonEqual(live.value, after.value)) continue;
    if (!live.found || ownedByOtherApplier(existing, p, self)) removeAt(payload, p);
    else if (!setAt(payload, p, structuredClone(live.value))) removeAt(payload, p);
  }
  return payload;
}

/** The planning outcome drift-ignore rules look at and may change. */
export interface IgnorablePlan {
  desired: KubeObject;
  existing: KubeObject | undefined;
  dryRun: KubeObject | undefined;
  action: Action;
}

/**
 * A plan with the rules applied: an object that only drifted in ignored paths (and needed no metadata
 * cleanup) is Unchanged; one that drifted elsewhere is applied with `ignoringPayload`. Creates and
 * other actions are returned as they are. Rules select by the dry-run object, as Flux does.
 */
export function planIgnoring<P extends IgnorablePlan>(
  planned: P,
  rules: readonly CompiledIgnoreRule[],
  opts: { fieldManager: string; cleaned: boolean },
): P {
  const { existing, dryRun } = planned;
  if (planned.action !== Action.Configured || !existing || !dryRun || rules.length === 0) return planned;
  const paths = ignoredPathsFor(rules, dryRun);
  if (paths.length === 0) return planned;
  if (!opts.cleaned && !hasDrifted(withoutPaths(existing, paths), withoutPaths(dryRun, paths)))
    return { ...planned, action: Action.Unchanged };
  return { ...planned, desired: ignoringPayload(planned.desired, existing, dryRun, paths, opts.fieldManager) };
}
