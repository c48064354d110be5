// The Flux kinds the CLI knows, as a registry: adding a kind (Alert…) is one entry here.
import { ApiVersions, ArtifactGeneratorApiVersion, ArtifactGeneratorNames, Kinds } from '../api/constants.ts';
import { CliError } from './errors.ts';
import { isSuspended, type FluxResource } from './flux-object.ts';

/** A reference from one Flux object to another (a Kustomization's source). */
export interface KindRef {
  kind: string;
  name: string;
  namespace: string;
}

/** Everything the commands need to know about one Flux kind. */
export interface FluxKind {
  kind: string;
  apiVersion: string;
  /** Command-line words for it, lower-case; the first is the canonical plural (`get kustomizations`). */
  names: readonly string[];
  /** Its word after `sources` (`get sources git`), for source kinds. */
  sourceWord?: string;
  /** REVISION column of `get`. */
  revision(obj: FluxResource): string;
  /** The line printed after a successful reconcile (`applied revision …`). */
  successMessage(obj: FluxResource): string;
  /** The object it reads from: `events --for` adds its events, `reconcile --with-source` reconciles it first. */
  sourceRef?(obj: FluxResource): KindRef | undefined;
  /** How suspension is read and written; default `spec.suspend` (specSuspension). */
  suspension?: Suspension;
  /**
   * For kinds another object writes (ExternalArtifact → its ArtifactGenerator): `reconcile`, `suspend` and
   * `resume` refuse them and name that kind instead.
   */
  writtenBy?: string;
}

/** How a kind is suspended: a predicate and the merge patches of `suspend` and `resume`. */
export interface Suspension {
  isSuspended(obj: FluxResource): boolean;
  suspendPatch: Record<string, unknown>;
  resumePatch: Record<string, unknown>;
}

/** `spec.suspend: true`; resume removes the field (what flux's merge patch of an omitempty `false` sends). */
export const specSuspension: Suspension = {
  isSuspended,
  suspendPatch: { spec: { suspend: true } },
  resumePatch: { spec: { suspend: null } },
};

/** A pause annotation set to `disabled` (any case), as source-watcher reads it; resume sets it to `enabled`. */
function annotationSuspension(annotation: string): Suspension {
  return {
    isSuspended: (obj) => obj.metadata.annotations?.[annotation]?.toLowerCase() === 'disabled',
    suspendPatch: { metadata: { annotations: { [annotation]: 'disabled' } } },
    resumePatch: { metadata: { annotations: { [annotation]: 'enabled' } } },
  };
}

/** The suspension of `kind`: its own, else `spec.suspend`. */
export const suspensionOf = (kind: FluxKind): Suspension => kind.suspension ?? specSuspension;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const artifactRevision = (obj: FluxResource): string =>
  str((obj.status?.['artifact'] as { revision?: unknown } | undefined)?.revision);

/** GitRepository (`sources git`). */
const gitRepository: FluxKind = {
  kind: Kinds.GitRepository,
  apiVersion: ApiVersions.source,
  names: ['gitrepositories', 'gitrepository', 'gitrepo', 'gitrepos'],
  sourceWord: 'git',
  revision: artifactRevision,
  successMessage: (obj) => `fetched revision ${artifactRevision(obj)}`,
};

/** OCIRepository (`sources oci`). */
const ociRepository: FluxKind = {
  kind: Kinds.OCIRepository,
  apiVersion: ApiVersions.source,
  names: ['ocirepositories', 'ocirepository', 'ocirepo'],
  sourceWord: 'oci',
  revision: artifactRevision,
  successMessage: (obj) => `fetched revision ${artifactRevision(obj)}`,
};

/** Bucket (`sources bucket`). */
const bucket: FluxKind = {
  kind: Kinds.Bucket,
  apiVersion: ApiVersions.source,
  names: ['buckets', 'bucket'],
  sourceWord: 'bucket',
  revision: artifactRevision,
  successMessage: (obj) => `fetched revision ${artifactRevision(obj)}`,
};

/** HelmRepository (`sources helm`); an OCI one has no artifact, so no revision. */
const helmRepository: FluxKind = {
  kind: Kinds.HelmRepository,
  apiVersion: ApiVersions.source,
  names: ['helmrepositories', 'helmrepository', 'helmrepo', 'helmrepos'],
  sourceWord: 'helm',
  revision: artifactRevision,
  successMessage: (obj) => `fetched revision ${artifactRevision(obj)}`,
};

/** A `{kind, name, namespace}` reference of `obj`, its namespace defaulting to the object's. */
function specRef(obj: FluxResource, ref: unknown): KindRef | undefined {
  const r = ref as { kind?: string; name?: string; namespace?: string } | undefined;
  if (!r?.kind || !r.name) return undefined;
  return { kind: r.kind, name: r.name, namespace: r.namespace || obj.metadata.namespace || '' };
}

/** HelmChart (`sources chart`): its source is the chart's repository, Git repository or bucket. */
const helmChart: FluxKind = {
  kind: Kinds.HelmChart,
  apiVersion: ApiVersions.source,
  names: ['helmcharts', 'helmchart', 'hc'],
  sourceWord: 'chart',
  revision: artifactRevision,
  successMessage: (obj) => `fetched revision ${artifactRevision(obj)}`,
  sourceRef: (obj) => {
    const ref = specRef(obj, obj.spec?.['sourceRef']);
    // A HelmChart's source is always in its own namespace.
    return ref && { ...ref, namespace: obj.metadata.namespace || '' };
  },
};

/** The chart version a HelmRelease last released (its newest history snapshot), else the one it attempted. */
const releasedRevision = (obj: FluxResource): string => {
  const [latest] = (obj.status?.['history'] as { chartVersion?: unknown }[] | undefined) ?? [];
  return str(latest?.chartVersion) || str(obj.status?.['lastAttemptedRevision']);
};

/**
 * HelmRelease (`helmreleases`, `hr`): `--with-source` reconciles its chart as flux does, the HelmChart its
 * template made (`<ns>-<name>` in the source's namespace) or what `chartRef` names.
 */
const helmRelease: FluxKind = {
  kind: Kinds.HelmRelease,
  apiVersion: ApiVersions.helm,
  names: ['helmreleases', 'helmrelease', 'hr'],
  revision: releasedRevision,
  successMessage: (obj) => `applied revision ${releasedRevision(obj)}`,
  sourceRef: (obj) => {
    const chart = obj.spec?.['chart'] as { spec?: { sourceRef?: { namespace?: string } } } | undefined;
    if (!chart) return specRef(obj, obj.spec?.['chartRef']);
    const ns = obj.metadata.namespace || '';
    return {
      kind: Kinds.HelmChart,
      name: `${ns}-${obj.metadata.name}`,
      namespace: chart.spec?.sourceRef?.namespace || ns,
    };
  },
};

/** Kustomization (`kustomizations`, `ks`). */
const kustomization: FluxKind = {
  kind: Kinds.Kustomization,
  apiVersion: ApiVersions.kustomize,
  names: ['kustomizations', 'kustomization', 'ks'],
  revision: (obj) => str(obj.status?.['lastAppliedRevision']),
  successMessage: (obj) => `applied revision ${str(obj.status?.['lastAppliedRevision'])}`,
  sourceRef: (obj) => specRef(obj, obj.spec?.['sourceRef']),
};

const inventoryCount = (obj: FluxResource): number =>
  ((obj.status?.['inventory'] as unknown[] | undefined) ?? []).length;

/**
 * ArtifactGenerator (`artifactgenerators`, `ag`; source-watcher): paused by its reconcile annotation, as
 * `flux suspend artifact generator`; no revision of its own (its ExternalArtifacts have them).
 */
const artifactGenerator: FluxKind = {
  kind: Kinds.ArtifactGenerator,
  apiVersion: ArtifactGeneratorApiVersion,
  names: ['artifactgenerators', 'artifactgenerator', 'ag'],
  revision: () => '',
  successMessage: (obj) => `generated ${inventoryCount(obj)} artifact(s)`,
  suspension: annotationSuspension(ArtifactGeneratorNames.reconcileAnnotation),
};

/** ExternalArtifact (`sources external`, as flux; `externalartifacts`, `ea`): status-only, written by its generator. */
const externalArtifact: FluxKind = {
  kind: Kinds.ExternalArtifact,
  apiVersion: ApiVersions.source,
  names: ['externalartifacts', 'externalartifact', 'ea'],
  sourceWord: 'external',
  revision: artifactRevision,
  successMessage: (obj) => `artifact revision ${artifactRevision(obj)}`,
  sourceRef: (obj) => specRef(obj, obj.spec?.['sourceRef']),
  writtenBy: Kinds.ArtifactGenerator,
};

/** The kinds served by Driftless, in the order `get all` prints them (sources first, as flux). */
export const fluxKinds: readonly FluxKind[] = [
  gitRepository,
  ociRepository,
  bucket,
  helmRepository,
  helmChart,
  externalArtifact,
  artifactGenerator,
  kustomization,
  helmRelease,
];

/** Refuses a kind that another object writes, naming that one; `verb` is the command's. */
export function refuseWrittenKind(kind: FluxKind, verb: string): void {
  if (!kind.writtenBy) return;
  throw new CliError({
    reason: 'WrittenByAnother',
    message: `${kind.kind} objects are written by their ${kind.writtenBy}: ${verb} the ${kind.writtenBy} instead (driftless ${verb} ${kind.writtenBy.toLowerCase()} <name>)`,
  });
}

/** The kind named by `word` (a registered name or the Kind itself, any case). */
export function findKind(word: string, kinds: readonly FluxKind[] = fluxKinds): FluxKind | undefined {
  const w = word.toLowerCase();
  return kinds.find((k) => k.kind.toLowerCase() === w || k.names.includes(w));
}

/** The kind of a Kind name (`GitRepository`), or undefined when the CLI does not serve it. */
export function kindByName(kind: string, kinds: readonly FluxKind[] = fluxKinds): FluxKind | undefined {
  return kinds.find((k) => k.kind === kind);
}

/** How flux names the kind in progress lines: `kustomization`, `source git`. */
export function humanKind(kind: FluxKind): string {
  return kind.sourceWord ? `source ${kind.sourceWord}` : kind.kind.toLowerCase();
}

/** The canonical words of the kinds (`sources git, kustomizations`), for command descriptions. */
export function kindSummary(kinds: readonly FluxKind[] = fluxKinds): string {
  return kinds.map((k) => (k.sourceWord ? `sources ${k.sourceWord}` : (k.names[0] ?? k.kind))).join(', ');
}

/** The words a user may type for the kinds, for help and error messages. */
export function kindUsage(kinds: readonly FluxKind[] = fluxKinds): string {
  return kinds
    .map((k) => {
      const [first, ...rest] = k.names;
      const main = k.sourceWord ? `sources ${k.sourceWord}` : (first ?? k.kind);
      const aliases = (k.sourceWord ? k.names : rest).join(', ');
      return aliases ? `${main} (${aliases})` : main;
    })
    .join(', ');
}

/** The kinds a command line names, and the words after them (object names). */
export interface KindSelection {
  kinds: FluxKind[];
  /** `all` or `sources all`: print kind-qualified names and skip kinds the server does not serve. */
  all: boolean;
  rest: string[];
}

/**
 * Reads the kind words at the start of `args`: `sources git`, `sources all`, `all`, or one name
 * (`kustomizations`, `ks`, `gitrepo`, `GitRepository`). `allowAll: false` refuses `all` (reconcile, tree…).
 * Throws CliError `UnknownKind` listing the accepted words.
 */
export function parseKindArgs(
  args: readonly string[],
  opts: { allowAll?: boolean; kinds?: readonly FluxKind[] } = {},
): KindSelection {
  const kinds = opts.kinds ?? fluxKinds;
  const allowAll = opts.allowAll ?? true;
  const [first, second] = args;
  const unknown = (word: string): CliError =>
    new CliError({
      reason: 'UnknownKind',
      message: `unknown kind "${word}": expected ${kindUsage(kinds)}${allowAll ? ' or all' : ''}`,
    });
  if (first === undefined)
    throw new CliError({ reason: 'UnknownKind', message: `a kind is required: ${kindUsage(kinds)}` });
  const sources = kinds.filter((k) => k.sourceWord);
  if (first === 'source' || first === 'sources') {
    if (second === undefined) throw unknown(first);
    if (second === 'all' && allowAll) return { kinds: sources, all: true, rest: args.slice(2) };
    const kind = sources.find((k) => k.sourceWord === second) ?? findKind(second, sources);
    if (!kind) throw unknown(`${first} ${second}`);
    return { kinds: [kind], all: false, rest: args.slice(2) };
  }
  // flux's two-word form: `artifact generator(s)`.
  if (first === 'artifact' && (second === 'generator' || second === 'generators')) {
    const kind = findKind(Kinds.ArtifactGenerator, kinds);
    if (!kind) throw unknown(`${first} ${second}`);
    return { kinds: [kind], all: false, rest: args.slice(2) };
  }
  if (first === 'all') {
    if (!allowAll) throw unknown(first);
    return { kinds: [...kinds], all: true, rest: args.slice(1) };
  }
  const kind = findKind(first, kinds);
  if (!kind) throw unknown(first);
  return { kinds: [kind], all: false, rest: args.slice(1) };
}

/** `Kind/name` as typed in `--for`, with the kind resolved through the registry (any case or alias). */
export function parseKindName(text: string, kinds: readonly FluxKind[] = fluxKinds): { kind: FluxKind; name?: string } {
  const slash = text.indexOf('/');
  const word = slash < 0 ? text : text.slice(0, slash);
  const kind = findKind(word, kinds);
  if (!kind) {
    throw new CliError({
      reason: 'UnknownKind',
      message: `'${word}' is not a Flux kind served by Driftless: expected one of ${kinds.map((k) => k.kind).join(', ')}`,
    });
  }
  const name = slash < 0 ? '' : text.slice(slash + 1);
  return name ? { kind, name } : { kind };
}
