// HelmRelease (helm.toolkit.fluxcd.io/v2): schema, type and spec defaults, from one source.
// The schema is Flux 2.9's (helm-controller's CRD), so every Flux HelmRelease validates; what Driftless
// does not implement is refused by name (field-support-helm-release.ts).
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiVersions, Groups, Kinds } from './constants.ts';
import { InstallSchema, RollbackSchema, TestSchema, UninstallSchema, UpgradeSchema } from './helm-release-actions.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { parseDuration } from './duration.ts';
import {
  CustomHealthCheckSchema,
  KustomizeImageSchema,
  KustomizePatchSchema,
  KustomizeSelectorSchema,
} from './kustomization.ts';
import {
  CommonStatusProperties,
  DependencyReferenceSchema,
  KubeConfigReferenceSchema,
  ResourceInventorySchema,
  StatusDefault,
  kubeObjectSchema,
} from './meta.ts';
import type { FluxObject } from './meta.ts';
import {
  DateTime,
  Duration,
  Int64,
  NamespaceName,
  ObjectName,
  StringEnum,
  StringMap,
  described,
} from './schema-types.ts';

const validations = (rules: { rule: string; message: string }[]) => ({ 'x-kubernetes-validations': rules });

/** Source kinds a HelmRelease's chart template may reference. */
export const HelmChartTemplateSourceKinds = ['HelmRepository', 'GitRepository', 'Bucket'] as const;
/** Kinds `spec.chartRef` may name. */
export const ChartRefKinds = ['OCIRepository', 'HelmChart', 'ExternalArtifact'] as const;

/** `spec.chart`: the HelmChart the release's controller creates and owns (`<namespace>-<name>`). */
export const HelmChartTemplateSchema = Type.Object({
  metadata: Type.Optional(
    Type.Object(
      { labels: Type.Optional(StringMap()), annotations: Type.Optional(StringMap()) },
      { description: 'Labels and annotations of the HelmChart.' },
    ),
  ),
  spec: Type.Object({
    chart: Type.String({ minLength: 1, maxLength: 2048, description: 'Chart name, or path in a Git/Bucket source.' }),
    version: Type.Optional(Type.String({ default: '*', description: 'Semver range of the chart version.' })),
    sourceRef: Type.Object({
      apiVersion: Type.Optional(Type.String()),
      kind: StringEnum(HelmChartTemplateSourceKinds),
      name: ObjectName(),
      namespace: Type.Optional(NamespaceName()),
    }),
    interval: Type.Optional(
      Duration({ description: 'How often the HelmChart checks the source; defaults to the release interval.' }),
    ),
    reconcileStrategy: Type.Optional(StringEnum(['ChartVersion', 'Revision'] as const, { default: 'ChartVersion' })),
    valuesFiles: Type.Optional(Type.Array(Type.String())),
    ignoreMissingValuesFiles: Type.Optional(Type.Boolean()),
    verify: Type.Optional(
      Type.Object({
        provider: StringEnum(['cosign', 'notation'] as const, { default: 'cosign' }),
        secretRef: Type.Optional(Type.Object({ name: Type.String() })),
      }),
    ),
  }),
});
/** `spec.chart` of a HelmRelease. */
export type HelmChartTemplate = Static<typeof HelmChartTemplateSchema>;

/** `spec.chartRef`: an existing chart source. */
export const ChartRefSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: StringEnum(ChartRefKinds),
  name: ObjectName(),
  namespace: Type.Optional(NamespaceName()),
});
/** `spec.chartRef` of a HelmRelease. */
export type ChartRef = Static<typeof ChartRefSchema>;

/** A ConfigMap or Secret key merged into the values (meta.ValuesReference). */
export const ValuesReferenceSchema = Type.Object({
  kind: StringEnum(['Secret', 'ConfigMap'] as const),
  name: ObjectName(),
  valuesKey: Type.Optional(Type.String({ maxLength: 253, pattern: '^[\\-._a-zA-Z0-9]+$' })),
  targetPath: Type.Optional(Type.String({ maxLength: 250, pattern: '^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$' })),
  optional: Type.Optional(Type.Boolean()),
  literal: Type.Optional(Type.Boolean()),
});
/** A values reference. */
export type ValuesReference = Static<typeof ValuesReferenceSchema>;

/** `spec` of a HelmRelease (Flux 2.9); exactly one of `chart` and `chartRef`. */
export const HelmReleaseSpecSchema = Type.Object(
  {
    chart: Type.Optional(described(HelmChartTemplateSchema, 'Template of the HelmChart the release is made from.')),
    chartRef: Type.Optional(
      described(ChartRefSchema, 'An existing chart source (HelmChart, OCIRepository, ExternalArtifact).'),
    ),
    interval: Duration({ description: 'How often to check the release against the desired state.' }),
    kubeConfig: Type.Optional(
      Type.Object(KubeConfigReferenceSchema.properties, {
        description: 'Release to a remote cluster instead.',
        ...validations([
          {
            message: 'exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified',
            rule: 'has(self.configMapRef) || has(self.secretRef)',
          },
          {
            message: 'exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified',
            rule: '!has(self.configMapRef) || !has(self.secretRef)',
          },
        ]),
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling while true.' })),
    releaseName: Type.Optional(Type.String({ minLength: 1, maxLength: 53 })),
    targetNamespace: Type.Optional(NamespaceName()),
    storageNamespace: Type.Optional(NamespaceName()),
    dependsOn: Type.Optional(Type.Array(DependencyReferenceSchema)),
    timeout: Type.Optional(Duration({ description: 'Time limit of each Helm action; default 5m.' })),
    maxHistory: Type.Optional(
      Type.Integer({ description: 'Release revisions kept by Helm; default 5, 0 is unlimited.' }),
    ),
    serviceAccountName: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    persistentClient: Type.Optional(Type.Boolean()),
    driftDetection: Type.Optional(
      Type.Object({
        mode: Type.Optional(StringEnum(['enabled', 'warn', 'disabled'] as const)),
        ignore: Type.Optional(
          Type.Array(Type.Object({ paths: Type.Array(Type.String()), target: Type.Optional(KustomizeSelectorSchema) })),
        ),
      }),
    ),
    install: Type.Optional(InstallSchema),
    upgrade: Type.Optional(UpgradeSchema),
    test: Type.Optional(TestSchema),
    rollback: Type.Optional(RollbackSchema),
    uninstall: Type.Optional(UninstallSchema),
    valuesFrom: Type.Optional(Type.Array(ValuesReferenceSchema)),
    values: Type.Optional(Type.Unknown({ description: 'Values of the chart, merged over valuesFrom.' })),
    commonMetadata: Type.Optional(
      Type.Object({ annotations: Type.Optional(StringMap()), labels: Type.Optional(StringMap()) }),
    ),
    postRenderers: Type.Optional(
      Type.Array(
        Type.Object({
          kustomize: Type.Optional(
            Type.Object({
              patches: Type.Optional(Type.Array(KustomizePatchSchema)),
              images: Type.Optional(Type.Array(KustomizeImageSchema)),
            }),
          ),
        }),
      ),
    ),
    postRenderStrategy: Type.Optional(StringEnum(['nohooks', 'combined', 'separate'] as const)),
    waitStrategy: Type.Optional(Type.Object({ name: StringEnum(['poller', 'legacy'] as const) })),
    healthCheckExprs: Type.Optional(Type.Array(CustomHealthCheckSchema)),
  },
  validations([
    {
      message: 'either chart or chartRef must be set',
      rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
    },
  ]),
);
/** `spec` of a HelmRelease. */
export type HelmReleaseSpec = Static<typeof HelmReleaseSpecSchema>;

/** The state of one test hook of a release. */
export const TestHookStatusSchema = Type.Object({
  lastStarted: Type.Optional(DateTime()),
  lastCompleted: Type.Optional(DateTime()),
  phase: Type.Optional(Type.String()),
});

/** A `status.history` entry of a HelmRelease (v2.Snapshot): one Helm release revision as observed. */
export const HelmSnapshotSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  digest: Type.String(),
  name: Type.String(),
  namespace: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  chartName: Type.String(),
  chartVersion: Type.String(),
  appVersion: Type.Optional(Type.String()),
  configDigest: Type.String(),
  firstDeployed: DateTime(),
  lastDeployed: DateTime(),
  deleted: Type.Optional(DateTime()),
  testHooks: Type.Optional(Type.Record(Type.String(), TestHookStatusSchema)),
  ociDigest: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
});
/** A HelmRelease `status.history` entry. */
export type HelmSnapshot = Static<typeof HelmSnapshotSchema>;

/** `status` of a HelmRelease; defaults to `{observedGeneration: -1}`. */
export const HelmReleaseStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    observedPostRenderersDigest: Type.Optional(Type.String()),
    observedCommonMetadataDigest: Type.Optional(Type.String()),
    lastAttemptedGeneration: Type.Optional(Int64()),
    helmChart: Type.Optional(Type.String()),
    storageNamespace: Type.Optional(NamespaceName()),
    history: Type.Optional(Type.Array(HelmSnapshotSchema)),
    inventory: Type.Optional(ResourceInventorySchema),
    lastAttemptedReleaseAction: Type.Optional(StringEnum(['install', 'upgrade'] as const)),
    lastAttemptedReleaseActionDuration: Type.Optional(Type.String()),
    failures: Type.Optional(Int64()),
    installFailures: Type.Optional(Int64()),
    upgradeFailures: Type.Optional(Int64()),
    lastAttemptedRevision: Type.Optional(Type.String()),
    lastAttemptedRevisionDigest: Type.Optional(Type.String()),
    lastAttemptedValuesChecksum: Type.Optional(Type.String()),
    lastReleaseRevision: Type.Optional(Type.Integer()),
    lastAttemptedConfigDigest: Type.Optional(Type.String()),
    lastHandledResetAt: Type.Optional(Type.String()),
    lastHandledForceAt: Type.Optional(Type.String()),
  },
  { default: StatusDefault },
);
/** `status` of a HelmRelease. */
export type HelmReleaseStatus = Static<typeof HelmReleaseStatusSchema>;

/** The whole HelmRelease object, for validating objects read from files or the API. */
export const HelmReleaseSchema = kubeObjectSchema(HelmReleaseSpecSchema, HelmReleaseStatusSchema);

/** A HelmRelease object. */
export type HelmRelease = FluxObject<HelmReleaseSpec, HelmReleaseStatus>;

/** apiVersion and kind of HelmRelease. */
export const HelmReleaseTypeMeta = { apiVersion: ApiVersions.helm, kind: Kinds.HelmRelease } as const;

/** CRD definition of HelmRelease (names, categories and columns as Flux's). */
export const HelmReleaseCrd: CrdDefinition = {
  group: Groups.helm,
  version: 'v2',
  kind: Kinds.HelmRelease,
  plural: 'helmreleases',
  singular: 'helmrelease',
  shortNames: ['hr'],
  categories: ['all', 'fluxcd', 'fluxcd-appliers'],
  description: "HelmRelease installs and upgrades a Helm chart release, with Helm's own release storage.",
  specSchema: HelmReleaseSpecSchema,
  statusSchema: HelmReleaseStatusSchema,
  printerColumns: [AgeColumn, ReadyColumn, StatusColumn],
};

/** Condition types of HelmRelease beside Ready/Reconciling/Stalled (api/v2/condition_types.go). */
export const HelmConditions = {
  Released: 'Released',
  TestSuccess: 'TestSuccess',
  Remediated: 'Remediated',
  Drifted: 'Drifted',
} as const;

/** helm-controller's reasons. */
export const HelmReasons = {
  InstallSucceeded: 'InstallSucceeded',
  InstallFailed: 'InstallFailed',
  UpgradeSucceeded: 'UpgradeSucceeded',
  UpgradeFailed: 'UpgradeFailed',
  TestSucceeded: 'TestSucceeded',
  TestFailed: 'TestFailed',
  RollbackSucceeded: 'RollbackSucceeded',
  RollbackFailed: 'RollbackFailed',
  UninstallSucceeded: 'UninstallSucceeded',
  UninstallFailed: 'UninstallFailed',
  ArtifactFailed: 'ArtifactFailed',
  InitFailed: 'InitFailed',
  GetLastReleaseFailed: 'GetLastReleaseFailed',
  DependencyNotReady: 'DependencyNotReady',
  SourceNotReady: 'SourceNotReady',
  ValuesError: 'ValuesError',
  PendingRelease: 'PendingRelease',
  RetriesExceeded: 'RetriesExceeded',
  MissingRollbackTarget: 'MissingRollbackTarget',
  AwaitingTests: 'AwaitingTests',
  StateError: 'StateError',
  ChartMutateError: 'ChartMutateError',
  // The kubeconfig of spec.kubeConfig cannot be read, or its cluster does not answer.
  RESTClientError: 'RESTClientError',
  /** Warning event: status.inventory could not be built from the stored release (the old one stays). */
  InventoryBuildFailed: 'InventoryBuildFailed',
  /** Warning event: a kind's scope was unknown, so its objects keep the namespace the manifest gives. */
  NamespaceCheckSkipped: 'NamespaceCheckSkipped',
} as const;

const defaultTimeoutMs = 5 * 60_000;

/** Reconcile interval in ms; throws InvalidDurationError when malformed. */
export function helmReleaseIntervalMs(spec: Pick<HelmReleaseSpec, 'interval'>): number {
  return parseDuration(spec.interval, 'spec.interval');
}

/** `spec.timeout` in ms, default 5 minutes (Flux's GetTimeout). */
export function helmReleaseTimeoutMs(spec: Pick<HelmReleaseSpec, 'timeout'>): number {
  return spec.timeout === undefined ? defaultTimeoutMs : parseDuration(spec.timeout, 'spec.timeout');
}

/** An action's own timeout (`spec.<action>.timeout`), else `spec.timeout`. */
export function actionTimeoutMs(
  spec: HelmReleaseSpec,
  action: 'install' | 'upgrade' | 'test' | 'rollback' | 'uninstall',
): number {
  const own = spec[action]?.timeout;
  return own === undefined ? helmReleaseTimeoutMs(spec) : parseDuration(own, `spec.${action}.timeout`);
}

/** `spec.maxHistory`, default 5. */
export const maxHistory = (spec: Pick<HelmReleaseSpec, 'maxHistory'>): number => spec.maxHistory ?? 5;

/** The release name as Flux derives it: `releaseName`, else `[<targetNamespace>-]<name>` (not shortened). */
export function releaseNameOf(hr: Pick<HelmRelease, 'metadata' | 'spec'>): string {
  if (hr.spec.releaseName) return hr.spec.releaseName;
  if (hr.spec.targetNamespace) return `${hr.spec.targetNamespace}-${hr.metadata.name}`;
  return hr.metadata.name;
}

/**
 * Helm's 53-character limit as Flux applies it: a longer name keeps its first 40 characters, a dash and
 * the first 12 hex digits of the sha256 of the whole name.
 */
export function shortenReleaseName(name: string): string {
  if (name.length <= 53) return name;
  const sum = createHash('sha256').update(name).digest('hex');
  return `${name.slice(0, 53 - 13)}-${sum.slice(0, 12)}`;
}

/** The name Helm stores the release under. */
export const helmReleaseName = (hr: Pick<HelmRelease, 'metadata' | 'spec'>): string =>
  shortenReleaseName(releaseNameOf(hr));

/** Namespace of the release's objects: `targetNamespace`, else the HelmRelease's. */
export const releaseNamespaceOf = (hr: Pick<HelmRelease, 'metadata' | 'spec'>): string =>
  hr.spec.targetNamespace || (hr.metadata.namespace ?? '');

/** Namespace of Helm's release Secrets: `storageNamespace`, else the HelmRelease's. */
export const storageNamespaceOf = (hr: Pick<HelmRelease, 'metadata' | 'spec'>): string =>
  hr.spec.storageNamespace || (hr.metadata.namespace ?? '');

/** The HelmChart a chart template makes: `<namespace>-<name>` in the source's namespace (or the release's). */
export function helmChartRefOf(hr: Pick<HelmRelease, 'metadata' | 'spec'>): { namespace: string; name: string } {
  const ns = hr.metadata.namespace ?? '';
  if (hr.spec.chart) {
    return { namespace: hr.spec.chart.spec.sourceRef.namespace || ns, name: `${ns}-${hr.metadata.name}` };
  }
  return { namespace: hr.spec.chartRef?.namespace || ns, name: hr.spec.chartRef?.name ?? '' };
}
