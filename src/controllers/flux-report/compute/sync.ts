// `spec.sync`: the state of the cluster's own sync Kustomization and its source, from the objects.
import type { FluxSyncStatus } from '../../../api/flux-report.ts';
import type { KubeObject } from '../../../kube/types.ts';
import { readyCondition, stringAt, type FluxLike } from './flux-object.ts';

/**
 * The name of the sync Kustomization: the first FluxInstance's `spec.sync.name` when one exists,
 * else the runtime namespace's name (bootstrap names both the Kustomization and its source
 * `flux-system` in `flux-system`).
 */
export function syncName(namespace: string, instances: readonly KubeObject[]): string {
  return (instances[0] && stringAt(instances[0], 'spec.sync.name')) || namespace;
}

/**
 * Builds `spec.sync`: `ready` is the Kustomization's Ready condition not being False (Unknown and
 * "not yet reconciled" count as ready), forced false when the source is Ready=False; `status` is
 * the Ready message (`not initialized` without one), plus a new line and the source's message when
 * the source fails, prefixed `Suspended ` when the Kustomization is suspended. `source` is the
 * source's `spec.url`, or `<endpoint>/<bucketName>` for a Bucket.
 */
export function syncStatus(input: {
  name: string;
  kustomization: KubeObject;
  source?: KubeObject | undefined;
}): FluxSyncStatus {
  const { kustomization, source } = input;
  const ready = readyCondition(kustomization);
  const sync: FluxSyncStatus = {
    id: `kustomization/${input.name}`,
    ready: ready?.status !== 'False',
    status: ready?.message || 'not initialized',
  };
  const path = stringAt(kustomization, 'spec.path');
  if (path) sync.path = path;
  if (source) {
    const url = sourceUrl(source);
    if (url) sync.source = url;
    const sourceReady = readyCondition(source);
    if (sourceReady?.status === 'False') {
      sync.ready = false;
      sync.status += `\n${sourceReady.message ?? ''}`;
    }
  }
  if ((kustomization as FluxLike).spec?.suspend === true) sync.status = `Suspended ${sync.status}`;
  return sync;
}

/** Where a source fetches from: `spec.url`, or `<endpoint>/<bucketName>` for a Bucket. */
export function sourceUrl(source: KubeObject): string | undefined {
  if (source.kind === 'Bucket') {
    const endpoint = stringAt(source, 'spec.endpoint');
    const bucket = stringAt(source, 'spec.bucketName');
    return endpoint || bucket ? `${endpoint ?? ''}/${bucket ?? ''}` : undefined;
  }
  return stringAt(source, 'spec.url');
}
