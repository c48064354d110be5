// Field support of ArtifactGenerator and ExternalArtifact: what the reconciler honours, what it refuses.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/artifact-generator.test.ts';
const copy = 'src/artifacts/compose/copy.test.ts';

/** ArtifactGenerator (source.extensions.fluxcd.io/v1beta1). */
export const ArtifactGeneratorFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, [
      'spec.sources',
      'spec.sources[].alias',
      'spec.sources[].kind',
      'spec.sources[].name',
      'spec.sources[].namespace',
      'spec.artifacts',
      'spec.artifacts[].name',
      'spec.artifacts[].originRevision',
      'spec.artifacts[].revision',
      'spec.artifacts[].copy',
      'spec.commonMetadata',
      'spec.commonMetadata.labels',
      'spec.commonMetadata.annotations',
    ]),
    ...implementedBy(copy, [
      'spec.artifacts[].copy[].from',
      'spec.artifacts[].copy[].to',
      'spec.artifacts[].copy[].exclude',
      'spec.artifacts[].copy[].strategy',
    ]),
    'spec.pathPattern': {
      refused: 'remove it and list one spec.artifacts entry per directory (directory discovery is not implemented)',
    },
  },
};

/** ExternalArtifact (source.toolkit.fluxcd.io/v1): status-only; its spec records the producer. */
const producer = 'consumers read status.artifact only; spec.sourceRef names the object that produced it';
export const ExternalArtifactFieldSupport: KindFieldSupport = {
  fields: Object.fromEntries(
    [
      'spec.sourceRef',
      'spec.sourceRef.apiVersion',
      'spec.sourceRef.kind',
      'spec.sourceRef.name',
      'spec.sourceRef.namespace',
    ].map((p) => [p, { fluxIgnores: producer }]),
  ),
};
