// FluxReport (fluxcd.controlplane.io/v1): the Flux Operator's observed-state report, as one schema.
// Its `spec` is what the reporter observed; its `status` holds the Ready condition only.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { CommonStatusProperties } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { Int64 } from './schema-types.ts';

/** The Flux Operator's API group. */
export const ControlPlaneGroup = 'fluxcd.controlplane.io';

/** apiVersion of FluxReport (and, later, FluxInstance). */
export const ControlPlaneApiVersion = `${ControlPlaneGroup}/v1`;

/** The only name a FluxReport may have (enforced by the CRD's CEL rule). */
export const FluxReportName = 'flux';

/** Annotations the Flux Operator reads on its own kinds. */
export const ControlPlaneAnnotations = {
  /** Go duration overriding the reporting interval of this object, e.g. `30s`. */
  reconcileEvery: `${ControlPlaneGroup}/reconcileEvery`,
  /** `disabled` pauses reconciling the object, `enabled` resumes. */
  reconcile: `${ControlPlaneGroup}/reconcile`,
} as const;

/** `spec.distribution`: the Flux distribution installed in the cluster. */
export const FluxDistributionStatusSchema = Type.Object({
  entitlement: Type.String({ description: 'Entitlement of the distribution; Driftless has none and reports Unknown.' }),
  status: Type.String({ description: 'Installed when the GitRepository CRD exists, else Not Installed.' }),
  version: Type.Optional(Type.String({ description: 'Version of the distribution.' })),
  managedBy: Type.Optional(Type.String({ description: 'What installed and manages the distribution.' })),
});
/** `spec.distribution` of a FluxReport. */
export type FluxDistributionStatus = Static<typeof FluxDistributionStatusSchema>;

/** `spec.cluster`: the Kubernetes cluster. */
export const ClusterInfoSchema = Type.Object({
  serverVersion: Type.String({ description: 'gitVersion of the API server.' }),
  platform: Type.String({ description: 'os/arch of the API server.' }),
  nodes: Type.Optional(Int64({ description: 'Number of Nodes.' })),
});
/** `spec.cluster` of a FluxReport. */
export type ClusterInfo = Static<typeof ClusterInfoSchema>;

/** `spec.operator`: the program writing the report. */
export const OperatorInfoSchema = Type.Object({
  apiVersion: Type.String(),
  version: Type.String(),
  platform: Type.String({ description: 'os/arch the reporter runs on.' }),
});
/** `spec.operator` of a FluxReport. */
export type OperatorInfo = Static<typeof OperatorInfoSchema>;

/** One `spec.components` entry: a reconciler group (a Flux controller). */
export const ComponentStatusSchema = Type.Object({
  name: Type.String(),
  ready: Type.Boolean(),
  status: Type.String({ description: '"<kstatus> <message>", e.g. "Current Running in manager x".' }),
  image: Type.Optional(Type.String({ description: 'Container image; only known when running in the cluster.' })),
});
/** One `spec.components` entry. */
export type ComponentStatus = Static<typeof ComponentStatusSchema>;

/** Object counts of one kind. `running` includes failing objects, as in the Flux Operator. */
export const ReconcilerStatsSchema = Type.Object({
  running: Int64(),
  failing: Int64(),
  suspended: Int64(),
  totalSize: Type.Optional(Type.String({ description: 'Sum of the artifact sizes, e.g. "3.7 MiB".' })),
});
/** Object counts of one kind. */
export type ReconcilerStats = Static<typeof ReconcilerStatsSchema>;

/** One `spec.reconcilers` entry: a Flux kind served in the cluster. */
export const ReconcilerStatusSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  stats: ReconcilerStatsSchema,
});
/** One `spec.reconcilers` entry. */
export type ReconcilerStatus = Static<typeof ReconcilerStatusSchema>;

/** `spec.sync`: the cluster's own sync Kustomization and its source. */
export const FluxSyncStatusSchema = Type.Object({
  id: Type.String({ description: 'kustomization/<name>.' }),
  path: Type.Optional(Type.String()),
  ready: Type.Boolean(),
  status: Type.String(),
  source: Type.Optional(Type.String({ description: 'URL of the source.' })),
});
/** `spec.sync` of a FluxReport. */
export type FluxSyncStatus = Static<typeof FluxSyncStatusSchema>;

/** `spec` of a FluxReport: everything is observed, nothing is desired. */
export const FluxReportSpecSchema = Type.Object({
  distribution: FluxDistributionStatusSchema,
  cluster: Type.Optional(ClusterInfoSchema),
  operator: Type.Optional(OperatorInfoSchema),
  components: Type.Optional(Type.Array(ComponentStatusSchema)),
  reconcilers: Type.Optional(Type.Array(ReconcilerStatusSchema)),
  sync: Type.Optional(FluxSyncStatusSchema),
});
/** `spec` of a FluxReport. */
export type FluxReportSpec = Static<typeof FluxReportSpecSchema>;

/** `status` of a FluxReport: the Ready condition and the last handled reconcile request. */
export const FluxReportStatusSchema = Type.Object({
  conditions: CommonStatusProperties.conditions,
  lastHandledReconcileAt: CommonStatusProperties.lastHandledReconcileAt,
});
/** `status` of a FluxReport. */
export type FluxReportStatus = Static<typeof FluxReportStatusSchema>;

/** A FluxReport object. */
export type FluxReport = FluxObject<FluxReportSpec, FluxReportStatus>;

/** apiVersion and kind of FluxReport. */
export const FluxReportTypeMeta = { apiVersion: ControlPlaneApiVersion, kind: 'FluxReport' } as const;

/** CRD definition of FluxReport: columns and names as the Flux Operator's, singleton enforced by CEL. */
export const FluxReportCrd: CrdDefinition = {
  group: ControlPlaneGroup,
  version: 'v1',
  kind: 'FluxReport',
  plural: 'fluxreports',
  singular: 'fluxreport',
  shortNames: [],
  categories: ['fluxcd'],
  description:
    'FluxReport is the observed state of the Flux installation: distribution, cluster, controllers, object counts and sync.',
  specSchema: FluxReportSpecSchema,
  statusSchema: FluxReportStatusSchema,
  validations: [
    { rule: `self.metadata.name == '${FluxReportName}'`, message: `the only accepted name is '${FluxReportName}'` },
  ],
  printerColumns: [
    { name: 'Entitlement', type: 'string', jsonPath: '.spec.distribution.entitlement', priority: 10 },
    AgeColumn,
    ReadyColumn,
    StatusColumn,
    { name: 'LastUpdated', type: 'date', jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime' },
  ],
};
