// Label values of `flux_resource_info` for one Flux object, derived as the Flux Operator documents them.
import type { KubeObject } from '../../../kube/types.ts';
import { readyCondition, stringAt, type FluxLike } from './flux-object.ts';

/** Every label `flux_resource_info` may carry (the gauge's label names). */
export const ResourceInfoLabelNames = [
  'uid',
  'kind',
  'name',
  'exported_namespace',
  'ready',
  'reason',
  'suspended',
  'revision',
  'url',
  'ref',
  'source_name',
  'path',
] as const;

/** One `flux_resource_info` label name. */
export type ResourceInfoLabel = (typeof ResourceInfoLabelNames)[number];

/** The labels only some kinds carry; the others (uid … suspended) are on every series. */
type KindLabel = 'revision' | 'url' | 'ref' | 'source_name' | 'path';

/** The per-kind labels (the Flux Operator's documented table); kinds not listed carry only the common ones. */
export const KindLabels: Readonly<Record<string, readonly KindLabel[]>> = {
  Kustomization: ['revision', 'source_name', 'path'],
  GitRepository: ['revision', 'url', 'ref'],
  OCIRepository: ['revision', 'url', 'ref'],
  Bucket: ['revision', 'url', 'ref'],
  HelmRelease: ['revision', 'source_name'],
  HelmChart: ['revision', 'source_name'],
  HelmRepository: ['revision', 'url'],
  Receiver: ['url'],
  ImageRepository: ['url'],
  ImagePolicy: ['source_name'],
  ImageUpdateAutomation: ['source_name'],
};

// Later entries win: the last present field is the value, as in the Operator's derivation.
const lastPresent = (obj: KubeObject, paths: readonly string[]): string => {
  let value = '';
  for (const p of paths) value = stringAt(obj, p) ?? value;
  return value;
};

/**
 * The labels of one object's series. `ready`/`reason` come from the Ready condition (`Unknown`/`""`
 * without one), forced `True` for Alert, Provider and OCI HelmRepository, which have no readiness of
 * their own (kept from the Operator so dashboards agree). `revision` is `status.lastAttemptedRevision`,
 * falling back to `status.artifact.revision` (the applier's attempted revision, not the applied one).
 */
export function resourceInfoLabels(obj: KubeObject): Partial<Record<ResourceInfoLabel, string>> {
  const ready = readyCondition(obj);
  const status = (obj as FluxLike).status;
  const labels: Partial<Record<ResourceInfoLabel, string>> = {
    uid: obj.metadata.uid ?? '',
    kind: obj.kind,
    name: obj.metadata.name,
    exported_namespace: obj.metadata.namespace ?? '',
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason ?? '',
    suspended: (obj as FluxLike).spec?.suspend === true ? 'True' : 'False',
  };
  const forcedReady =
    obj.kind === 'Alert' ||
    obj.kind === 'Provider' ||
    (obj.kind === 'HelmRepository' && stringAt(obj, 'spec.type') === 'oci');
  if (forcedReady) labels.ready = 'True';
  const derived: Record<KindLabel, string> = {
    revision: status?.lastAttemptedRevision || status?.artifact?.revision || '',
    url: stringAt(obj, 'spec.url') ?? '',
    ref: '',
    source_name: stringAt(obj, 'spec.sourceRef.name') ?? '',
    path: stringAt(obj, 'spec.path') ?? '',
  };
  switch (obj.kind) {
    case 'GitRepository':
      derived.ref = lastPresent(obj, ['spec.ref.branch', 'spec.ref.tag', 'spec.ref.semver', 'spec.ref.name']);
      break;
    case 'OCIRepository':
      derived.ref = lastPresent(obj, ['spec.ref.tag', 'spec.ref.semver']);
      break;
    case 'Bucket':
      derived.url = stringAt(obj, 'spec.endpoint') ?? '';
      derived.ref = stringAt(obj, 'spec.bucketName') ?? '';
      break;
    case 'HelmRelease':
      derived.source_name = lastPresent(obj, ['spec.chartRef.name', 'spec.chart.spec.sourceRef.name']);
      break;
    case 'Receiver':
      derived.url = stringAt(obj, 'status.webhookPath') ?? '';
      break;
    case 'ImageRepository':
      derived.url = stringAt(obj, 'spec.image') ?? '';
      break;
    case 'ImagePolicy':
      derived.source_name = stringAt(obj, 'spec.imageRepositoryRef.name') ?? '';
      break;
  }
  for (const name of KindLabels[obj.kind] ?? []) labels[name] = derived[name];
  return labels;
}
