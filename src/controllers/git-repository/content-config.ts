// What, besides the revision, decides a GitRepository artifact's content: ignore rules, submodules,
// sparse directories and included artifacts. A change to any of them rebuilds the artifact, as in Flux.
import type { GitRepositoryInclude, GitRepositorySpec, GitRepositoryStatus } from '../../api/git-repository.ts';
import type { Artifact } from '../../api/meta.ts';

type ContentSpec = Pick<GitRepositorySpec, 'ignore' | 'recurseSubmodules' | 'sparseCheckout' | 'include'>;
type ContentStatus = Pick<
  GitRepositoryStatus,
  | 'observedGeneration'
  | 'observedIgnore'
  | 'observedRecurseSubmodules'
  | 'observedSparseCheckout'
  | 'observedInclude'
  | 'includedArtifacts'
>;

/** Where an include lands in the artifact: `toPath`, by default the included repository's name (Flux's GetToPath). */
export function includeToPath(include: GitRepositoryInclude): string {
  return include.toPath || include.repository.name;
}

/** Where an include is copied from in the included artifact: `fromPath`, by default its root. */
export function includeFromPath(include: GitRepositoryInclude): string {
  return include.fromPath ?? '';
}

const sameInclude = (a: GitRepositoryInclude, b: GitRepositoryInclude | undefined): boolean =>
  b !== undefined &&
  a.repository.name === b.repository.name &&
  (a.fromPath ?? '') === (b.fromPath ?? '') &&
  (a.toPath ?? '') === (b.toPath ?? '');

/** True when two include lists hold artifacts of different revision or digest (Flux's artifactSet.Diff). */
export function includedArtifactsDiffer(a: readonly Artifact[], b: readonly Artifact[] | undefined): boolean {
  if (a.length !== (b ?? []).length) return true;
  return a.some((x, i) => x.revision !== b?.[i]?.revision || x.digest !== b[i]?.digest);
}

/**
 * True when the spec's content settings or the current included artifacts differ from what the stored
 * artifact was built with (Flux's gitContentConfigChanged, without the verification part, which the
 * verify step owns). `includes` are the included repositories' current artifacts, in `spec.include` order.
 */
export function contentConfigChanged(spec: ContentSpec, status: ContentStatus, includes: readonly Artifact[]): boolean {
  if ((spec.ignore ?? '') !== (status.observedIgnore ?? '')) return true;
  if ((spec.recurseSubmodules ?? false) !== (status.observedRecurseSubmodules ?? false)) return true;
  const sparse = spec.sparseCheckout ?? [];
  const observedSparse = status.observedSparseCheckout ?? [];
  if (sparse.length !== observedSparse.length || sparse.some((d, i) => d !== observedSparse[i])) return true;
  const include = spec.include ?? [];
  const observedInclude = status.observedInclude ?? [];
  if (include.length !== observedInclude.length) return true;
  if (include.some((inc, i) => !sameInclude(inc, observedInclude[i]))) return true;
  return includedArtifactsDiffer(includes, status.includedArtifacts);
}

/** Records on the status what the stored artifact was built with, as source-controller does. */
export function observeContentConfig(spec: ContentSpec, status: GitRepositoryStatus, includes: Artifact[]): void {
  const set = <K extends keyof GitRepositoryStatus>(key: K, value: GitRepositoryStatus[K] | undefined): void => {
    if (value === undefined) delete status[key];
    else status[key] = value;
  };
  set('observedIgnore', spec.ignore);
  set('observedRecurseSubmodules', spec.recurseSubmodules ? true : undefined);
  set('observedSparseCheckout', spec.sparseCheckout?.length ? [...spec.sparseCheckout] : undefined);
  set('observedInclude', spec.include?.length ? spec.include.map((i) => ({ ...i })) : undefined);
  set('includedArtifacts', includes.length > 0 ? includes : undefined);
}
