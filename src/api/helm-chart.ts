// HelmChart (source.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiVersions, Groups, Kinds } from './constants.ts';
import { parseDuration } from './duration.ts';
import {
  ArtifactSchema,
  CommonStatusProperties,
  LocalObjectReferenceSchema,
  StatusDefault,
  kubeObjectSchema,
} from './meta.ts';
import type { FluxObject } from './meta.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { Duration, ObjectName, StringEnum, described } from './schema-types.ts';

/** Source kinds a HelmChart can take its chart from. */
export const HelmChartSourceKinds = ['HelmRepository', 'GitRepository', 'Bucket'] as const;

/** LocalHelmChartSourceReference: a source in the HelmChart's own namespace. */
export const LocalHelmChartSourceReferenceSchema = Type.Object({
  apiVersion: Type.Optional(Type.String({ description: 'APIVersion of the referent.' })),
  kind: StringEnum(HelmChartSourceKinds, { description: 'HelmRepository, GitRepository or Bucket.' }),
  name: ObjectName({ description: 'Name of the referent.' }),
});
/** A HelmChart's source reference. */
export type LocalHelmChartSourceReference = Static<typeof LocalHelmChartSourceReferenceSchema>;

/** OIDC identity matcher of cosign keyless verification. */
export const OIDCIdentityMatchSchema = Type.Object({ issuer: Type.String(), subject: Type.String() });

/** HelmChartVerification: signature verification of an OCI chart. */
export const HelmChartVerificationSchema = Type.Object({
  provider: StringEnum(['cosign', 'notation'] as const, { default: 'cosign' }),
  secretRef: Type.Optional(LocalObjectReferenceSchema),
  matchOIDCIdentity: Type.Optional(Type.Array(OIDCIdentityMatchSchema)),
});

/** Allowed `spec.reconcileStrategy` values. */
export const HelmChartReconcileStrategies = ['ChartVersion', 'Revision'] as const;
/** A `spec.reconcileStrategy` value. */
export type HelmChartReconcileStrategy = (typeof HelmChartReconcileStrategies)[number];

/** `spec` of a HelmChart; `version` defaults to `*`, `reconcileStrategy` to `ChartVersion`. */
export const HelmChartSpecSchema = Type.Object({
  chart: Type.String({
    description: 'Chart name in a HelmRepository, or the path of the chart directory in a GitRepository or Bucket.',
  }),
  version: Type.Optional(
    Type.String({
      default: '*',
      description: 'Semver range of the chart version (HelmRepository only); defaults to the latest.',
    }),
  ),
  sourceRef: described(LocalHelmChartSourceReferenceSchema, 'The source the chart is available at.'),
  interval: Duration({ description: 'How often the source is checked for a new chart.' }),
  reconcileStrategy: Type.Optional(
    StringEnum(HelmChartReconcileStrategies, {
      default: 'ChartVersion',
      description: 'ChartVersion: a new artifact per chart version; Revision: per source revision as well.',
    }),
  ),
  valuesFiles: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Values files (paths in the source) merged in order into the packaged chart values.',
    }),
  ),
  ignoreMissingValuesFiles: Type.Optional(
    Type.Boolean({ description: 'Skip values files that do not exist instead of failing.' }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
  verify: Type.Optional(
    described(HelmChartVerificationSchema, 'Verify the signature of an OCI chart (HelmRepository of type oci).'),
  ),
});
/** `spec` of a HelmChart. */
export type HelmChartSpec = Static<typeof HelmChartSpecSchema>;

/** `status` of a HelmChart; defaults to `{observedGeneration: -1}`. */
export const HelmChartStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    observedSourceArtifactRevision: Type.Optional(Type.String()),
    observedChartName: Type.Optional(Type.String()),
    observedValuesFiles: Type.Optional(Type.Array(Type.String())),
    url: Type.Optional(Type.String()),
    artifact: Type.Optional(ArtifactSchema),
  },
  { default: StatusDefault },
);
/** `status` of a HelmChart. */
export type HelmChartStatus = Static<typeof HelmChartStatusSchema>;

/** The whole HelmChart object, for validating objects read from files or the API. */
export const HelmChartSchema = kubeObjectSchema(HelmChartSpecSchema, HelmChartStatusSchema);

/** A HelmChart object. */
export type HelmChart = FluxObject<HelmChartSpec, HelmChartStatus>;

/** apiVersion and kind of HelmChart. */
export const HelmChartTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.HelmChart } as const;

/** Flux's HelmChart success reasons (api/v1): a chart pulled from a repository, or packaged from a directory. */
export const HelmChartReasons = {
  ChartPullSucceeded: 'ChartPullSucceeded',
  ChartPackageSucceeded: 'ChartPackageSucceeded',
} as const;

/** `spec.version` with its default (`*`, the latest). */
export function helmChartVersion(spec: Pick<HelmChartSpec, 'version'>): string {
  return spec.version === undefined || spec.version === '' ? '*' : spec.version;
}

/** `spec.reconcileStrategy` with its default (`ChartVersion`). */
export function helmChartReconcileStrategy(spec: Pick<HelmChartSpec, 'reconcileStrategy'>): HelmChartReconcileStrategy {
  return spec.reconcileStrategy ?? 'ChartVersion';
}

/** Reconcile interval in ms; throws InvalidDurationError when malformed. */
export function helmChartIntervalMs(spec: Pick<HelmChartSpec, 'interval'>): number {
  return parseDuration(spec.interval, 'spec.interval');
}

/** CRD definition of HelmChart (columns and names as Flux's). */
export const HelmChartCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.HelmChart,
  plural: 'helmcharts',
  singular: 'helmchart',
  shortNames: ['hc'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'HelmChart fetches or packages a Helm chart from a source and stores the chart archive as an artifact.',
  specSchema: HelmChartSpecSchema,
  statusSchema: HelmChartStatusSchema,
  printerColumns: [
    { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
    { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
    AgeColumn,
    ReadyColumn,
    StatusColumn,
  ],
  validations: [
    {
      rule: "!has(self.spec) || !has(self.spec.verify) || self.spec.sourceRef.kind == 'HelmRepository'",
      message: "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
    },
  ],
};
