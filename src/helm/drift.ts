// Drift detection and correction of a Helm release, as helm-controller does it (internal/action/diff.go on
// fluxcd/pkg ssa/jsondiff): each object of the stored release manifest is dry-run applied server-side with
// the field manager `helm-controller` (forced), and the result compared with the live object: labels and
// annotations added or changed, everything outside metadata and status. Ignore rules remove their JSON
// pointers from both sides first; the pointer "" and the `helm.toolkit.fluxcd.io/driftDetection: disabled`
// label or annotation (on the manifest or the live object) exclude an object. Correction creates what is
// missing and applies each difference as a JSON patch (RFC 6902) to the live object, as Flux's ApplyDiff.
import { maskSecretText } from '../apply/mask.ts';
import { jsonDiff } from '../apply/drift.ts';
import {
  compileIgnoreRules,
  ignoredPathsFor,
  withoutPaths,
  type CompiledIgnoreRule,
  type IgnoreRuleSpec,
} from '../apply/ignore-rules.ts';
import { stepMessage } from '../apply/object-apply.ts';
import { sortForApply } from '../apply/sort.ts';
import type { KubeClient } from '../kube/client.ts';
import { refOf, type KubeObject } from '../kube/types.ts';

/** The label or annotation that excludes an object from drift detection (value `disabled`). */
export const DriftDetectionKey = 'helm.toolkit.fluxcd.io/driftDetection';
const DriftDetectionDisabled = 'disabled';

/** jsondiff's DiffType: Create (missing in the cluster), Update, Exclude, None. */
export type DiffType = 'create' | 'update' | 'exclude' | 'none';

/** One RFC 6902 operation. */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

/** The difference of one object of the release. */
export interface ObjectDiff {
  type: DiffType;
  /** The object as the release manifest has it (namespace and Helm metadata set). */
  desired: KubeObject;
  /** From the live object to the dry-run result (update only). */
  patch: PatchOp[];
}

/** `driftDetection.ignore` checked: JSON pointers per target; a rule with the pointer "" excludes its targets. */
export interface DriftIgnore {
  rules: CompiledIgnoreRule[];
  excluding: CompiledIgnoreRule[];
}

/** Compiles `spec.driftDetection.ignore`; throws IgnoreRuleError naming a bad pointer or selector. */
export function compileDriftIgnore(
  rules: readonly IgnoreRuleSpec[],
  field = 'spec.driftDetection.ignore',
): DriftIgnore {
  const compiled = compileIgnoreRules(
    rules.map((r) => ({ ...r, paths: r.paths.filter((p) => p !== '') })),
    field,
  );
  return { rules: compiled, excluding: compiled.filter((_, i) => rules[i]?.paths.includes('') === true) };
}

/** `Kind/namespace/name` (namespace left out for cluster-scoped objects), as Flux names objects in messages. */
export function resourceName(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind}/${ns ? `${ns}/` : ''}${obj.metadata.name}`;
}

const excludedBy = (obj: KubeObject | undefined): boolean =>
  obj?.metadata.labels?.[DriftDetectionKey] === DriftDetectionDisabled ||
  obj?.metadata.annotations?.[DriftDetectionKey] === DriftDetectionDisabled;

const toOps = (changes: ReturnType<typeof jsonDiff>): PatchOp[] =>
  changes.map((c) =>
    !('before' in c)
      ? { op: 'add', path: c.path, value: c.after }
      : !('after' in c)
        ? { op: 'remove', path: c.path }
        : { op: 'replace', path: c.path, value: c.after },
  );

const labelsAndAnnotations = (obj: KubeObject): Record<string, unknown> => {
  const meta: Record<string, unknown> = { name: obj.metadata.name };
  if (obj.metadata.annotations !== undefined) meta['annotations'] = obj.metadata.annotations;
  if (obj.metadata.labels !== undefined) meta['labels'] = obj.metadata.labels;
  return { metadata: meta };
};

const withoutMetadataAndStatus = (obj: KubeObject): Record<string, unknown> => {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
};

/**
 * The JSON patch from the live object to the dry-run result, both without `ignored` pointers: labels and
 * annotations added or changed (not removed: other tools may add their own), then the rest but status.
 */
export function driftPatch(existing: KubeObject, dryRun: KubeObject, ignored: readonly string[] = []): PatchOp[] {
  const live = withoutPaths(existing, ignored);
  const want = withoutPaths(dryRun, ignored);
  const meta = toOps(jsonDiff(labelsAndAnnotations(live), labelsAndAnnotations(want))).filter((o) => o.op !== 'remove');
  return [...meta, ...toOps(jsonDiff(withoutMetadataAndStatus(live), withoutMetadataAndStatus(want)))];
}

/** Diffs one object of the release against the cluster. */
async function diffObject(
  client: KubeClient,
  desired: KubeObject,
  fieldManager: string,
  ignore: DriftIgnore,
): Promise<ObjectDiff> {
  const none: PatchOp[] = [];
  if (excludedBy(desired) || ignore.excluding.some((r) => r.matches(desired)))
    return { type: 'exclude', desired, patch: none };
  let existing: KubeObject | undefined;
  try {
    existing = await client.get(refOf(desired));
  } catch (err) {
    throw new Error(stepMessage('get', err, desired));
  }
  if (excludedBy(existing)) return { type: 'exclude', desired, patch: none };
  let dryRun: KubeObject;
  try {
    dryRun = await client.apply(desired, { fieldManager, force: true, dryRun: true });
  } catch (err) {
    throw new Error(stepMessage(`${resourceName(desired)} dry-run`, err, desired, existing));
  }
  if (!existing || !dryRun.metadata.resourceVersion) return { type: 'create', desired, patch: none };
  const patch = driftPatch(existing, dryRun, ignoredPathsFor(ignore.rules, desired));
  return { type: patch.length > 0 ? 'update' : 'none', desired, patch };
}

/**
 * The drift of the release's objects (Flux's action.Diff, graceful): every object is diffed, and the
 * objects that could not be are reported in `errors`.
 */
export async function diffRelease(o: {
  client: KubeClient;
  objects: readonly KubeObject[];
  fieldManager: string;
  ignore: DriftIgnore;
  signal?: AbortSignal;
}): Promise<{ set: ObjectDiff[]; errors: string[] }> {
  const set: ObjectDiff[] = [];
  const errors: string[] = [];
  for (const obj of o.objects) {
    o.signal?.throwIfAborted();
    try {
      set.push(await diffObject(o.client, obj, o.fieldManager, o.ignore));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { set, errors };
}

/** True when an object is missing or changed (jsondiff's DiffSet.HasChanges). */
export const hasChanges = (set: readonly ObjectDiff[]): boolean =>
  set.some((d) => d.type === 'create' || d.type === 'update');

const count = (patch: readonly PatchOp[], op: PatchOp['op']): number => patch.filter((p) => p.op === op).length;

/** One line per removed, changed or excluded object (Flux's SummarizeDiffSet). */
export function summarizeDiffSet(set: readonly ObjectDiff[]): string {
  const lines: string[] = [];
  for (const d of set) {
    const name = resourceName(d.desired);
    if (d.type === 'create') lines.push(`${name} removed`);
    else if (d.type === 'exclude') lines.push(`${name} excluded`);
    else if (d.type === 'update') {
      const [a, c, r] = [count(d.patch, 'add'), count(d.patch, 'replace'), count(d.patch, 'remove')];
      lines.push(`${name} changed (${a} additions, ${c} changes, ${r} removals)`);
    }
  }
  return lines.join('\n');
}

/** `removed: x, changed: y, excluded: z` (Flux's SummarizeDiffSetBrief). */
export function summarizeDiffSetBrief(set: readonly ObjectDiff[]): string {
  const n = (t: DiffType): number => set.filter((d) => d.type === t).length;
  return `removed: ${n('create')}, changed: ${n('update')}, excluded: ${n('exclude')}`;
}

/** The outcome of a correction: `Kind/ns/name created|configured` lines, and failures. */
export interface Correction {
  changes: string[];
  errors: string[];
}

/** Corrects the drift (Flux's ApplyDiff): missing objects created, changed ones JSON-patched, in apply order. */
export async function applyDiff(
  client: KubeClient,
  set: readonly ObjectDiff[],
  fieldManager: string,
): Promise<Correction> {
  const out: Correction = { changes: [], errors: [] };
  const byDesired = new Map(set.map((d) => [d.desired, d]));
  const ordered = (type: DiffType) =>
    sortForApply(set.filter((d) => d.type === type).map((d) => d.desired)).map((o) => byDesired.get(o) as ObjectDiff);
  for (const d of ordered('create')) {
    try {
      await client.create(d.desired, { fieldManager });
      out.changes.push(`${resourceName(d.desired)} created`);
    } catch (err) {
      out.errors.push(`${resourceName(d.desired)} creation failure: ${masked(err, d.desired)}`);
    }
  }
  for (const d of ordered('update')) {
    try {
      await client.patch(refOf(d.desired), d.patch, { type: 'json', fieldManager });
      out.changes.push(`${resourceName(d.desired)} configured`);
    } catch (err) {
      out.errors.push(`${resourceName(d.desired)} patch failure: ${masked(err, d.desired)}`);
    }
  }
  return out;
}

/** The error text, Secret values masked (a patch of a Secret carries its data). */
const masked = (err: unknown, obj: KubeObject): string =>
  maskSecretText(err instanceof Error ? err.message : String(err), obj);
