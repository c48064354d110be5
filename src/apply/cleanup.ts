import type { KubeObject, ObjectMeta } from '../kube/types.ts';
import { ApplyMetadata } from './policy.ts';
import { isRecord } from '../util/is-record.ts';

/** A field manager identified by name prefix and operation (`Apply` or `Update`). */
export interface FieldManagerMatch {
  name: string;
  operation: 'Apply' | 'Update';
}

/** What to remove from in-cluster objects before applying (the Override ssa mode). */
export interface CleanupOptions {
  annotations: string[];
  labels: string[];
  /** Managers whose fields we take over, so that fields only they set are removed by our apply. */
  fieldManagers: FieldManagerMatch[];
}

/**
 * Flux's cleanup for a field manager: the kubectl last-applied and legacy Flux checksum metadata,
 * and the fields set by kubectl (apply, edit, patch…), Helm's `before-first-apply` and by our own
 * manager through non-apply updates, plus any `overrideManagers` (both operations).
 */
export function defaultCleanup(fieldManager: string, overrideManagers: string[] = []): CleanupOptions {
  return {
    annotations: [ApplyMetadata.lastApplied, 'kustomize.toolkit.fluxcd.io/checksum', 'fluxcd.io/sync-checksum'],
    labels: ['fluxcd.io/sync-gc-mark'],
    fieldManagers: [
      { name: 'kubectl', operation: 'Apply' },
      { name: 'kubectl', operation: 'Update' },
      { name: 'before-first-apply', operation: 'Update' },
      { name: fieldManager, operation: 'Update' },
      ...overrideManagers.flatMap((name) => [
        { name, operation: 'Apply' as const },
        { name, operation: 'Update' as const },
      ]),
    ],
  };
}

/** One RFC 6902 operation. */
export type JsonPatchOp = { op: 'remove'; path: string } | { op: 'replace'; path: string; value: unknown };

type ManagedEntry = NonNullable<ObjectMeta['managedFields']>[number];

const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** Union of two managedFields `fieldsV1` tries. */
function mergeFields(a: unknown, b: unknown): unknown {
  if (!isRecord(a) || !isRecord(b)) return a ?? b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? mergeFields(out[k], v) : v;
  return out;
}

/**
 * The managedFields with every entry matching `managers` folded into one `Apply` entry of
 * `owner` (merged into the existing one, so there is never a duplicate manager), or undefined when
 * nothing matches. Status-subresource entries are left alone.
 */
export function takeOverManagers(
  entries: ManagedEntry[],
  managers: FieldManagerMatch[],
  owner: string,
): ManagedEntry[] | undefined {
  const matches = (e: ManagedEntry): boolean =>
    !e.subresource &&
    !(e.manager === owner && e.operation === 'Apply') &&
    managers.some((m) => (e.manager ?? '').startsWith(m.name) && e.operation === m.operation);
  const taken = entries.filter(matches);
  if (taken.length === 0) return undefined;
  const kept = entries.filter((e) => !matches(e));
  const ownIndex = kept.findIndex((e) => e.manager === owner && e.operation === 'Apply' && !e.subresource);
  const base: ManagedEntry =
    ownIndex >= 0 ? { ...kept[ownIndex] } : { ...taken[0], manager: owner, operation: 'Apply', fieldsType: 'FieldsV1' };
  for (const e of taken) base.fieldsV1 = mergeFields(base.fieldsV1, e.fieldsV1);
  if (ownIndex >= 0) kept[ownIndex] = base;
  else kept.push(base);
  return kept;
}

/** The JSON patch that cleans `existing` up, or an empty list when it is already clean. */
export function cleanupPatch(existing: KubeObject, opts: CleanupOptions, owner: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const { annotations = {}, labels = {}, managedFields = [] } = existing.metadata;
  for (const key of opts.annotations) {
    if (key in annotations) ops.push({ op: 'remove', path: `/metadata/annotations/${escape(key)}` });
  }
  for (const key of opts.labels) {
    if (key in labels) ops.push({ op: 'remove', path: `/metadata/labels/${escape(key)}` });
  }
  const fields = takeOverManagers(managedFields, opts.fieldManagers, owner);
  if (fields) ops.push({ op: 'replace', path: '/metadata/managedFields', value: fields });
  return ops;
}
