// ArtifactGenerator (source.extensions.fluxcd.io/v1beta1, Flux's source-watcher): composes and
// decomposes source artifacts into ExternalArtifacts. Schema, type and names from one source.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Groups, Kinds } from './constants.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { ConditionSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { Int64, StringEnum, StringMap, described } from './schema-types.ts';

// The names are in constants.ts, which the CLI loads without this module's schema library.
export { ArtifactGeneratorApiVersion, ArtifactGeneratorNames } from './constants.ts';

/** Source kinds a generator may read (source-watcher's enum). */
export const GeneratorSourceKinds = [
  'Bucket',
  'GitRepository',
  'OCIRepository',
  'HelmChart',
  'ExternalArtifact',
] as const;

/** Copy strategies (source-watcher's enum); Overwrite is the default. */
export const GeneratorCopyStrategies = ['Overwrite', 'Merge', 'Extract'] as const;

const aliasRef = '^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)$';

export const GeneratorSourceReferenceSchema = Type.Object({
  alias: Type.String({
    pattern: '^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$',
    maxLength: 63,
    description: 'Alias of the source within the ArtifactGenerator, unique per generator.',
  }),
  name: Type.String({ pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 253, description: 'Name of the source.' }),
  namespace: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      minLength: 1,
      maxLength: 63,
      description: "Namespace of the source; defaults to the generator's namespace.",
    }),
  ),
  kind: StringEnum(GeneratorSourceKinds, { description: 'Kind of the source.' }),
});
/** One `spec.sources[]` entry. */
export type GeneratorSourceReference = Static<typeof GeneratorSourceReferenceSchema>;

export const CopyOperationSchema = Type.Object({
  from: Type.String({
    pattern: '^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$',
    minLength: 1,
    maxLength: 1024,
    description: 'Source alias and glob pattern, `@<alias>/<glob-pattern>`.',
  }),
  to: Type.String({
    pattern: '^@(artifact)/(.*)$',
    minLength: 1,
    maxLength: 1024,
    description: 'Destination inside the artifact, `@artifact/<path>`.',
  }),
  exclude: Type.Optional(
    Type.Array(Type.String(), { maxItems: 100, description: 'Glob patterns of files and dirs left out.' }),
  ),
  strategy: Type.Optional(
    StringEnum(GeneratorCopyStrategies, { description: 'Overwrite (default), Merge (YAML) or Extract (tarballs).' }),
  ),
});
/** One `copy[]` entry. */
export type GeneratorCopyOperation = Static<typeof CopyOperationSchema>;

export const OutputArtifactSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the generated ExternalArtifact.' }),
  revision: Type.Optional(
    Type.String({ pattern: aliasRef, maxLength: 64, description: 'Take the revision of this source, `@<alias>`.' }),
  ),
  originRevision: Type.Optional(
    Type.String({
      pattern: aliasRef,
      maxLength: 64,
      description: "Set the artifact's org.opencontainers.image.revision from this source, `@<alias>`.",
    }),
  ),
  copy: Type.Array(CopyOperationSchema, { minItems: 1, description: 'Copy operations, applied in order.' }),
});
/** One `spec.artifacts[]` entry. */
export type OutputArtifact = Static<typeof OutputArtifactSchema>;

export const ArtifactGeneratorSpecSchema = Type.Object({
  commonMetadata: Type.Optional(
    described(
      Type.Object({ annotations: Type.Optional(StringMap()), labels: Type.Optional(StringMap()) }),
      'Labels and annotations applied to every generated ExternalArtifact.',
    ),
  ),
  sources: Type.Array(GeneratorSourceReferenceSchema, { minItems: 1, maxItems: 1000 }),
  pathPattern: Type.Optional(
    Type.String({
      pattern: '^@([a-z0-9]([a-z0-9_-]*[a-z0-9])?)/(.*)$',
      maxLength: 1024,
      description: 'Directory pattern generating one artifact per match, `@<alias>/<pattern>`.',
    }),
  ),
  artifacts: Type.Array(OutputArtifactSchema, { minItems: 1, maxItems: 1000 }),
});
/** `spec` of an ArtifactGenerator. */
export type ArtifactGeneratorSpec = Static<typeof ArtifactGeneratorSpecSchema>;

export const ExternalArtifactReferenceSchema = Type.Object({
  name: Type.String(),
  namespace: Type.String(),
  digest: Type.String(),
  filename: Type.String(),
});
/** One `status.inventory[]` entry. */
export type ExternalArtifactReference = Static<typeof ExternalArtifactReferenceSchema>;

/** `status` of an ArtifactGenerator (no observedGeneration: Flux keeps it in the Ready condition). */
export const ArtifactGeneratorStatusSchema = Type.Object({
  // Not in source-watcher's type (it keeps the generation in the Ready condition); kstatus readers use it.
  observedGeneration: Type.Optional(Int64()),
  lastHandledReconcileAt: Type.Optional(Type.String()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  inventory: Type.Optional(Type.Array(ExternalArtifactReferenceSchema)),
  observedSourcesDigest: Type.Optional(Type.String()),
});
/** `status` of an ArtifactGenerator. */
export type ArtifactGeneratorStatus = Static<typeof ArtifactGeneratorStatusSchema>;

/** An ArtifactGenerator object. */
export type ArtifactGenerator = FluxObject<ArtifactGeneratorSpec, ArtifactGeneratorStatus>;

/** Ready/Stalled reasons of ArtifactGenerator. */
export const ArtifactGeneratorReasons = {
  ReconciliationDisabled: 'ReconciliationDisabled',
  AccessDenied: 'AccessDenied',
  ValidationFailed: 'ValidationFailed',
  SourceFetchFailed: 'SourceFetchFailed',
  BuildFailed: 'BuildFailed',
  ReconciliationFailed: 'ReconciliationFailed',
} as const;

/** source-watcher requeues a generator every hour (`GetRequeueAfter`), plus whenever a source changes. */
export const ArtifactGeneratorRequeueMs = 60 * 60 * 1000;

/** CRD definition of ArtifactGenerator (short name `ag`, columns and rule as source-watcher's). */
export const ArtifactGeneratorCrd: CrdDefinition = {
  group: Groups.sourceExtensions,
  version: 'v1beta1',
  kind: Kinds.ArtifactGenerator,
  plural: 'artifactgenerators',
  singular: 'artifactgenerator',
  shortNames: ['ag'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'ArtifactGenerator composes source artifacts into ExternalArtifacts.',
  specSchema: ArtifactGeneratorSpecSchema,
  statusSchema: ArtifactGeneratorStatusSchema,
  printerColumns: [AgeColumn, ReadyColumn, StatusColumn],
  validations: [
    {
      rule: "!has(self.spec) || (has(self.spec.pathPattern) && size(self.spec.pathPattern) > 0) || self.spec.artifacts.all(a, a.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'))",
      message: 'artifact names must be valid Kubernetes object names when pathPattern is not set',
    },
  ],
};
