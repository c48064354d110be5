// Turns a Receiver's `spec.resources` into the concrete objects to annotate: a pure planner plus a thin
// wrapper that runs the label queries through an injected lister.
import type { FilterSubject, ReceiverFilters } from './resource-filter.ts';
import type { ReceiverResourceRef } from './types.ts';

/**
 * apiVersion used when a resource omits it: the GA version of each kind the Receiver CRD accepts.
 * Flux's own table covers only the source kinds (and errors for the rest); Driftless defaults them all.
 */
export const DEFAULT_API_VERSIONS: Readonly<Record<string, string>> = {
  Bucket: 'source.toolkit.fluxcd.io/v1',
  GitRepository: 'source.toolkit.fluxcd.io/v1',
  OCIRepository: 'source.toolkit.fluxcd.io/v1',
  HelmRepository: 'source.toolkit.fluxcd.io/v1',
  HelmChart: 'source.toolkit.fluxcd.io/v1',
  ExternalArtifact: 'source.toolkit.fluxcd.io/v1',
  ArtifactGenerator: 'source.extensions.fluxcd.io/v1beta1',
  Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
  HelmRelease: 'helm.toolkit.fluxcd.io/v2',
  ImageRepository: 'image.toolkit.fluxcd.io/v1',
  ImagePolicy: 'image.toolkit.fluxcd.io/v1',
  ImageUpdateAutomation: 'image.toolkit.fluxcd.io/v1',
};

/** One object to annotate with `reconcile.fluxcd.io/requestedAt`. */
export interface ResourceTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

/** A `name: '*'` entry: list `kind` in `namespace` by `matchLabels`. */
export interface ResourceQuery {
  apiVersion: string;
  kind: string;
  namespace: string;
  matchLabels: Record<string, string>;
}

/** A `spec.resources` entry that cannot be resolved; `field` points at it, `reason` is the condition reason. */
export class ResolveResourceError extends Error {
  override readonly name = 'ResolveResourceError';
  readonly reason = 'ValidationFailed';
  readonly field: string;

  constructor(opts: { field: string; message: string; cause?: unknown }) {
    super(`${opts.field}: ${opts.message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.field = opts.field;
  }
}

/**
 * The planner's output: objects named directly, label queries to run, and entries that are invalid;
 * `directEntries`/`queryEntries` give the `spec.resources` index of each (for per-entry filters).
 */
export interface ResourcePlan {
  direct: ResourceTarget[];
  queries: ResourceQuery[];
  errors: ResolveResourceError[];
  directEntries: number[];
  queryEntries: number[];
}

/**
 * Pure: resolves namespaces (the Receiver's by default) and apiVersions (see {@link DEFAULT_API_VERSIONS}),
 * and splits named objects from `*` + `matchLabels` queries. `noCrossNamespaceRefs` (default false)
 * refuses entries in another namespace, like Flux's `--no-cross-namespace-refs`.
 */
export function planResources(opts: {
  resources: readonly ReceiverResourceRef[];
  namespace: string;
  noCrossNamespaceRefs?: boolean;
}): ResourcePlan {
  const plan: ResourcePlan = { direct: [], queries: [], errors: [], directEntries: [], queryEntries: [] };
  opts.resources.forEach((ref, i) => {
    const field = `spec.resources[${i}]`;
    const namespace = ref.namespace || opts.namespace;
    if (opts.noCrossNamespaceRefs && namespace !== opts.namespace) {
      plan.errors.push(
        new ResolveResourceError({
          field,
          message: `cross-namespace reference to namespace "${namespace}" is not allowed`,
        }),
      );
      return;
    }
    const apiVersion = ref.apiVersion || DEFAULT_API_VERSIONS[ref.kind];
    if (!apiVersion) {
      plan.errors.push(
        new ResolveResourceError({
          field,
          message: `apiVersion must be set for kind "${ref.kind}" (no Flux default for it)`,
        }),
      );
      return;
    }
    if (ref.name !== '*') {
      plan.direct.push({ apiVersion, kind: ref.kind, name: ref.name, namespace });
      plan.directEntries.push(i);
      return;
    }
    if (!ref.matchLabels || Object.keys(ref.matchLabels).length === 0) {
      plan.errors.push(new ResolveResourceError({ field, message: 'matchLabels must be set when name is "*"' }));
      return;
    }
    plan.queries.push({ apiVersion, kind: ref.kind, namespace, matchLabels: { ...ref.matchLabels } });
    plan.queryEntries.push(i);
  });
  return plan;
}

/**
 * Resolves `spec.resources` to distinct objects, running each label query through `listNames`.
 * With `filters` (see resource-filter.ts), each candidate's metadata is read through `getSubject` and
 * only the ones its filters accept are kept. Never throws: invalid entries, failed queries and filters
 * that fail on a resource come back in `errors` while the rest still resolve, so one bad entry does not
 * stop the others from being reconciled (Flux behaves the same).
 */
export async function resolveResources(opts: {
  resources: readonly ReceiverResourceRef[];
  namespace: string;
  listNames: (query: ResourceQuery) => Promise<string[]>;
  noCrossNamespaceRefs?: boolean;
  filters?: ReceiverFilters | undefined;
  getSubject?: (target: ResourceTarget) => Promise<FilterSubject | undefined>;
}): Promise<{ targets: ResourceTarget[]; errors: ResolveResourceError[] }> {
  const plan = planResources(opts);
  const candidates = plan.direct.map((target, i) => ({ target, entry: plan.directEntries[i] ?? -1 }));
  const errors = [...plan.errors];
  for (const [qi, query] of plan.queries.entries()) {
    try {
      for (const name of await opts.listNames(query)) {
        const target = { apiVersion: query.apiVersion, kind: query.kind, name, namespace: query.namespace };
        candidates.push({ target, entry: plan.queryEntries[qi] ?? -1 });
      }
    } catch (err) {
      errors.push(
        new ResolveResourceError({
          field: `${query.kind} in ${query.namespace} matching ${JSON.stringify(query.matchLabels)}`,
          message: `listing failed: ${(err as Error).message}`,
          cause: err,
        }),
      );
    }
  }
  const seen = new Set<string>();
  const targets: ResourceTarget[] = [];
  for (const { target: t, entry } of candidates) {
    const key = `${t.apiVersion}/${t.kind}/${t.namespace}/${t.name}`;
    if (seen.has(key)) continue;
    if (opts.filters) {
      const field = `${t.kind}/${t.namespace}/${t.name}`;
      try {
        const subject = await (opts.getSubject ?? (async () => undefined))(t);
        if (!subject) {
          errors.push(new ResolveResourceError({ field, message: 'not found, so its filter cannot be evaluated' }));
          continue;
        }
        if (!opts.filters.accepts(entry, subject)) continue;
      } catch (err) {
        errors.push(
          new ResolveResourceError({ field, message: `filter failed: ${(err as Error).message}`, cause: err }),
        );
        continue;
      }
    }
    seen.add(key);
    targets.push(t);
  }
  return { targets, errors };
}
