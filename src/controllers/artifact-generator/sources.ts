// What an ArtifactGenerator reads: its spec checks (source-watcher's validateSpec) and the observed
// state of its sources (artifact digest, revision, origin revision, URL), hashed into observedSourcesDigest.
import { createHash } from 'node:crypto';
import {
  ArtifactGeneratorNames,
  ArtifactGeneratorReasons,
  type ArtifactGenerator,
} from '../../api/artifact-generator.ts';
import { Groups } from '../../api/constants.ts';
import type { Artifact } from '../../api/meta.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';

/** The state of one source as the generator saw it (source-watcher's ObservedSource). */
export interface ObservedSource {
  digest: string;
  revision: string;
  originRevision?: string;
  url: string;
}

/** source-watcher's HashObservedSources: `sha256:` over the sorted `alias=[digest=…,revision=…,url=…]` parts. */
export function hashObservedSources(sources: ReadonlyMap<string, ObservedSource>): string {
  const parts = [...sources].map(([alias, s]) => `${alias}=[digest=${s.digest},revision=${s.revision},url=${s.url}]`);
  parts.sort();
  return `sha256:${createHash('sha256').update(parts.join('|')).digest('hex')}`;
}

// A DNS-1123 subdomain, as apimachinery's NameIsDNSSubdomain checks it.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Terminal spec errors: duplicate aliases or names, invalid names, unknown revision aliases, cross-namespace refs. */
export function validateGeneratorSpec(obj: ArtifactGenerator, noCrossNamespaceRefs: boolean): void {
  const stalled = (reason: string, message: string): ReconcileFailure =>
    new ReconcileFailure(reason, message, { stalled: true });
  const aliases = new Set<string>();
  for (const src of obj.spec.sources) {
    if (aliases.has(src.alias))
      throw stalled(ArtifactGeneratorReasons.ValidationFailed, `duplicate source alias '${src.alias}' found`);
    aliases.add(src.alias);
    if (noCrossNamespaceRefs && src.namespace && src.namespace !== obj.metadata.namespace) {
      throw stalled(
        ArtifactGeneratorReasons.AccessDenied,
        `cross-namespace reference to source ${src.kind}/${src.namespace}/${src.name} is not allowed`,
      );
    }
  }
  const names = new Set<string>();
  for (const a of obj.spec.artifacts) {
    if (names.has(a.name))
      throw stalled(ArtifactGeneratorReasons.ValidationFailed, `duplicate artifact name '${a.name}' found`);
    if (a.name.length > 253 || !DNS_SUBDOMAIN.test(a.name)) {
      throw stalled(
        ArtifactGeneratorReasons.ValidationFailed,
        `artifact name "${a.name}" is not a valid Kubernetes object name: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      );
    }
    const revisionAlias = a.revision?.replace(/^@/, '');
    if (revisionAlias && !aliases.has(revisionAlias)) {
      throw stalled(
        ArtifactGeneratorReasons.ValidationFailed,
        `artifact ${a.name} revision source alias '${revisionAlias}' not found`,
      );
    }
    names.add(a.name);
  }
}

/** Resource (plural) names of the source kinds, for Kubernetes' NotFound wording. */
const Plurals: Record<string, string> = {
  GitRepository: 'gitrepositories',
  OCIRepository: 'ocirepositories',
  Bucket: 'buckets',
  HelmChart: 'helmcharts',
  ExternalArtifact: 'externalartifacts',
};

/**
 * Reads every source's artifact from the informers. A missing source or one without an artifact fails
 * the reconcile with SourceFetchFailed (`get sources failed: …`), retried after `requeueMs`.
 */
export function observeSources(
  obj: ArtifactGenerator,
  informers: ReadonlyMap<string, Informer>,
  requeueMs: number,
): Map<string, ObservedSource> {
  const out = new Map<string, ObservedSource>();
  const fail = (message: string): ReconcileFailure =>
    new ReconcileFailure(ArtifactGeneratorReasons.SourceFetchFailed, `get sources failed: ${message}`, {
      requeueAfterMs: requeueMs,
    });
  for (const src of obj.spec.sources) {
    const namespace = src.namespace ?? obj.metadata.namespace ?? '';
    const informer = informers.get(src.kind);
    if (!informer) throw fail(`source \`${src.name}\` kind '${src.kind}' not supported`);
    const source = informer.get(`${namespace}/${src.name}`) as { status?: { artifact?: Artifact } } | undefined;
    if (!source) throw fail(`${Plurals[src.kind] ?? src.kind.toLowerCase()}.${Groups.source} "${src.name}" not found`);
    const artifact = source.status?.artifact;
    if (!artifact) throw fail(`source '${src.kind}/${namespace}/${src.name}' is not ready`);
    const origin = artifact.metadata?.[ArtifactGeneratorNames.originRevisionAnnotation];
    out.set(src.alias, {
      digest: artifact.digest,
      revision: artifact.revision,
      url: artifact.url,
      ...(origin ? { originRevision: origin } : {}),
    });
  }
  return out;
}

/** The `<Kind>/<namespace>/<name>` keys of a generator's sources (the index source changes are mapped by). */
export function sourceKeys(obj: ArtifactGenerator): string[] {
  return obj.spec.sources.map((s) => `${s.kind}/${s.namespace ?? obj.metadata.namespace ?? ''}/${s.name}`);
}
