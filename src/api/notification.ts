// Provider and Alert (notification.toolkit.fluxcd.io/v1beta3) and Receiver (…/v1): schemas, types, CRDs.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Groups } from './constants.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { admissionRules } from './field-support.ts';
import { CommonStatusProperties, LocalObjectReferenceSchema, StatusDefault } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { Duration, StringEnum, StringMap } from './schema-types.ts';

export const NotificationVersions = { providerAlert: 'v1beta3', receiver: 'v1' } as const;

/** Provider types Flux accepts (api/v1beta3 enum). */
export const ProviderTypes = [
  'slack',
  'discord',
  'msteams',
  'rocket',
  'generic',
  'generic-hmac',
  'github',
  'gitlab',
  'gitea',
  'bitbucketserver',
  'bitbucket',
  'azuredevops',
  'googlechat',
  'googlepubsub',
  'webex',
  'sentry',
  'azureeventhub',
  'telegram',
  'lark',
  'matrix',
  'opsgenie',
  'alertmanager',
  'grafana',
  'githubdispatch',
  'pagerduty',
  'datadog',
  'nats',
  'otel',
  'zulip',
  'zoom',
  'incident.io',
  'githubpullrequestcomment',
  'gitlabmergerequestcomment',
  'giteapullrequestcomment',
] as const;

/** `Provider.spec`: where and how notifications are sent. */
export const ProviderSpecSchema = Type.Object({
  type: StringEnum(ProviderTypes),
  interval: Type.Optional(Duration()),
  channel: Type.Optional(Type.String({ maxLength: 2048 })),
  username: Type.Optional(Type.String({ maxLength: 2048 })),
  address: Type.Optional(Type.String({ maxLength: 2048 })),
  timeout: Type.Optional(Duration()),
  proxy: Type.Optional(Type.String({ maxLength: 2048 })),
  proxySecretRef: Type.Optional(LocalObjectReferenceSchema),
  secretRef: Type.Optional(LocalObjectReferenceSchema),
  certSecretRef: Type.Optional(LocalObjectReferenceSchema),
  serviceAccountName: Type.Optional(Type.String()),
  commitStatusExpr: Type.Optional(Type.String()),
  suspend: Type.Optional(Type.Boolean()),
});
export type ProviderSpec = Static<typeof ProviderSpecSchema>;
export type ProviderObject = FluxObject<ProviderSpec, never>;

export const EventSeverities = ['info', 'error'] as const;
export const EventSourceKinds = [
  'Bucket',
  'GitRepository',
  'Kustomization',
  'HelmRelease',
  'HelmChart',
  'HelmRepository',
  'ImageRepository',
  'ImagePolicy',
  'ImageUpdateAutomation',
  'OCIRepository',
  'ArtifactGenerator',
  'ExternalArtifact',
] as const;

/** An Alert's `eventSources[]` entry. */
export const EventSourceSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: StringEnum(EventSourceKinds),
  name: Type.String({ minLength: 1, maxLength: 253 }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  matchLabels: Type.Optional(StringMap()),
});

/** `Alert.spec`: which events go to which Provider. */
export const AlertSpecSchema = Type.Object({
  providerRef: LocalObjectReferenceSchema,
  eventSeverity: Type.Optional(StringEnum(EventSeverities, { default: 'info' })),
  eventSources: Type.Array(EventSourceSchema),
  inclusionList: Type.Optional(Type.Array(Type.String())),
  eventMetadata: Type.Optional(StringMap()),
  exclusionList: Type.Optional(Type.Array(Type.String())),
  summary: Type.Optional(Type.String({ maxLength: 255 })),
  suspend: Type.Optional(Type.Boolean()),
});
export type AlertSpec = Static<typeof AlertSpecSchema>;
export type AlertObject = FluxObject<AlertSpec, never>;

export const ReceiverTypes = [
  'generic',
  'generic-hmac',
  'generic-oidc',
  'github',
  'gitlab',
  'bitbucket',
  'harbor',
  'dockerhub',
  'quay',
  'gcr',
  'nexus',
  'acr',
  'cdevents',
] as const;

/** A Receiver's `resources[]` entry. */
export const ReceiverResourceSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.String(),
  name: Type.String({ minLength: 1, maxLength: 253 }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  matchLabels: Type.Optional(StringMap()),
  filter: Type.Optional(Type.String()),
});

/** `Receiver.spec`: an incoming webhook that triggers reconciles. */
export const ReceiverSpecSchema = Type.Object({
  type: StringEnum(ReceiverTypes),
  interval: Type.Optional(Duration({ default: '10m' })),
  events: Type.Optional(Type.Array(Type.String())),
  resources: Type.Array(ReceiverResourceSchema),
  resourceFilter: Type.Optional(Type.String()),
  secretRef: Type.Optional(LocalObjectReferenceSchema),
  oidcProviders: Type.Optional(
    Type.Array(
      Type.Object({
        issuerURL: Type.String({ pattern: '^https?://' }),
        audience: Type.Optional(Type.String()),
        variables: Type.Optional(Type.Array(Type.Object({ name: Type.String(), expression: Type.String() }))),
        validations: Type.Array(Type.Object({ expression: Type.String(), message: Type.String() }), { minItems: 1 }),
      }),
      { description: "OIDC issuers of a 'generic-oidc' Receiver (refused: generic-oidc is not implemented yet)." },
    ),
  ),
  suspend: Type.Optional(Type.Boolean()),
});
export type ReceiverSpec = Static<typeof ReceiverSpecSchema>;

export const ReceiverStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    webhookPath: Type.Optional(Type.String()),
  },
  { default: StatusDefault },
);
export type ReceiverStatus = Static<typeof ReceiverStatusSchema>;
export type ReceiverObject = FluxObject<ReceiverSpec, ReceiverStatus>;

const group = Groups.notification;

export const ProviderCrd: CrdDefinition = {
  group,
  version: NotificationVersions.providerAlert,
  kind: 'Provider',
  plural: 'providers',
  singular: 'provider',
  shortNames: [],
  categories: ['fluxcd', 'fluxcd-notifications'],
  description: 'Provider describes where (Slack, Teams, a webhook, a Git forge…) notifications are sent.',
  specSchema: ProviderSpecSchema,
  printerColumns: [AgeColumn],
  // Provider has no status to report NotSupported on: types and fields Driftless lacks are refused at admission.
  validations: admissionRules('Provider', ProviderSpecSchema),
};

export const AlertCrd: CrdDefinition = {
  group,
  version: NotificationVersions.providerAlert,
  kind: 'Alert',
  plural: 'alerts',
  singular: 'alert',
  shortNames: [],
  categories: ['fluxcd', 'fluxcd-notifications'],
  description: 'Alert selects the events of Flux objects that are sent to a Provider.',
  specSchema: AlertSpecSchema,
  printerColumns: [AgeColumn],
};

export const ReceiverCrd: CrdDefinition = {
  group,
  version: NotificationVersions.receiver,
  kind: 'Receiver',
  plural: 'receivers',
  singular: 'receiver',
  shortNames: [],
  categories: ['all', 'fluxcd', 'fluxcd-notifications'],
  description: 'Receiver is an incoming webhook that asks the referenced objects to reconcile.',
  specSchema: ReceiverSpecSchema,
  statusSchema: ReceiverStatusSchema,
  printerColumns: [AgeColumn, ReadyColumn, StatusColumn],
  // Receiver types Driftless lacks are refused at admission, not with a 400 on every call.
  validations: admissionRules('Receiver', ReceiverSpecSchema),
};
