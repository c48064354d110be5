// ExternalArtifact (source.toolkit.fluxcd.io/v1): an artifact produced outside source-controller (here by
// the ArtifactGenerator reconciler), consumed by Kustomizations like any source. Status-only: nothing
// reconciles it; its producer writes `status.artifact` and a Ready condition.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiVersions, Groups, Kinds } from './constants.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { ArtifactSchema, ConditionSchema, NamespacedObjectKindReferenceSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { described } from './schema-types.ts';

/** `spec` of an ExternalArtifact. */
export const ExternalArtifactSpecSchema = Type.Object({
  sourceRef: Type.Optional(
    described(NamespacedObjectKindReferenceSchema, 'The custom resource for which the artifact is generated.'),
  ),
});
/** `spec` of an ExternalArtifact. */
export type ExternalArtifactSpec = Static<typeof ExternalArtifactSpecSchema>;

/** `status` of an ExternalArtifact (no observedGeneration in Flux's type). */
export const ExternalArtifactStatusSchema = Type.Object({
  artifact: Type.Optional(described(ArtifactSchema, 'The output of an ExternalArtifact reconciliation.')),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
});
/** `status` of an ExternalArtifact. */
export type ExternalArtifactStatus = Static<typeof ExternalArtifactStatusSchema>;

/** An ExternalArtifact object. */
export type ExternalArtifact = FluxObject<ExternalArtifactSpec, ExternalArtifactStatus>;

/** apiVersion and kind of ExternalArtifact. */
export const ExternalArtifactTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.ExternalArtifact } as const;

/** CRD definition of ExternalArtifact (short name `ea`, columns as source-controller's). */
export const ExternalArtifactCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.ExternalArtifact,
  plural: 'externalartifacts',
  singular: 'externalartifact',
  shortNames: ['ea'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'ExternalArtifact is an artifact produced outside source-controller, consumable as a source.',
  specSchema: ExternalArtifactSpecSchema,
  statusSchema: ExternalArtifactStatusSchema,
  printerColumns: [
    AgeColumn,
    ReadyColumn,
    StatusColumn,
    { name: 'Source', type: 'string', jsonPath: '.spec.sourceRef.name' },
  ],
};
