// The objects a FluxInstance's `spec.sync` stands for, named as `flux bootstrap` names them (pure).
import { ApiVersions, Kinds } from '../../api/constants.ts';
import { InvalidSpecError } from '../../api/errors.ts';
import type { FluxInstance, SyncSpec } from '../../api/flux-instance.ts';
import type { GitRepositoryRef } from '../../api/git-repository.ts';
import type { KubeObject } from '../../kube/types.ts';

/** Interval of the generated source and Kustomization when `spec.sync.interval` is unset. */
export const DefaultSyncInterval = '1m';

/**
 * The GitRepository `spec.ref` for a sync ref: `refs/heads/<b>` → branch, `refs/tags/<t>` → tag, any other
 * `refs/…` → name (e.g. `refs/pull/1/head`), anything else is a branch name. Throws InvalidSpecError for an
 * empty branch or tag name.
 */
export function gitRefOf(ref: string): GitRepositoryRef {
  const strip = (prefix: string, key: 'branch' | 'tag'): GitRepositoryRef => {
    const value = ref.slice(prefix.length);
    if (!value) {
      throw new InvalidSpecError({
        field: 'spec.sync.ref',
        message: `spec.sync.ref "${ref}" names no ${key}: write e.g. "${prefix}main"`,
      });
    }
    return { [key]: value };
  };
  if (ref.startsWith('refs/heads/')) return strip('refs/heads/', 'branch');
  if (ref.startsWith('refs/tags/')) return strip('refs/tags/', 'tag');
  if (ref.startsWith('refs/')) return { name: ref };
  return { branch: ref };
}

/** Name of the generated source and Kustomization: `spec.sync.name`, else the instance's namespace. */
export function syncName(instance: Pick<FluxInstance, 'metadata' | 'spec'>): string {
  return instance.spec.sync?.name || (instance.metadata.namespace ?? '');
}

/**
 * The source spec of each sync kind, as the Flux Operator generates it: `ref` is a Git ref for a
 * GitRepository, the tag for an OCIRepository and the bucket name for a Bucket, whose `url` is the endpoint.
 */
const sourceSpecs: Record<SyncSpec['kind'], (sync: SyncSpec, interval: string) => Record<string, unknown>> = {
  GitRepository: (sync, interval) => ({ interval, ref: gitRefOf(sync.ref), url: sync.url }),
  OCIRepository: (sync, interval) => ({ interval, ref: { tag: sync.ref }, url: sync.url }),
  Bucket: (sync, interval) => ({ interval, bucketName: sync.ref, endpoint: sync.url }),
};

/**
 * The source (`spec.sync.kind`: GitRepository, OCIRepository or Bucket) and Kustomization of `spec.sync`
 * (none without a sync), in the instance's namespace: the source from `url` and `ref`, `secretRef` =
 * pullSecret and the provider; the Kustomization with the path, `prune: true` and a sourceRef to it. Both
 * use `interval` (default 1m). Throws InvalidSpecError for a bad Git ref.
 */
export function syncObjects(instance: Pick<FluxInstance, 'metadata' | 'spec'>): KubeObject[] {
  const sync: SyncSpec | undefined = instance.spec.sync;
  if (!sync) return [];
  const build = sourceSpecs[sync.kind];
  if (!build) {
    throw new InvalidSpecError({ field: 'spec.sync.kind', message: `spec.sync.kind ${sync.kind} cannot be generated` });
  }
  const name = syncName(instance);
  const namespace = instance.metadata.namespace ?? '';
  const interval = sync.interval ?? DefaultSyncInterval;
  const sourceSpec = build(sync, interval);
  if (sync.pullSecret) sourceSpec['secretRef'] = { name: sync.pullSecret };
  if (sync.provider) sourceSpec['provider'] = sync.provider;
  return [
    { apiVersion: ApiVersions.source, kind: sync.kind, metadata: { name, namespace }, spec: sourceSpec },
    {
      apiVersion: ApiVersions.kustomize,
      kind: Kinds.Kustomization,
      metadata: { name, namespace },
      spec: { interval, path: sync.path, prune: true, sourceRef: { kind: sync.kind, name } },
    },
  ];
}
