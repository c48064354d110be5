// HelmRepository (source.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source.
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
import { Duration, StringEnum, StringMap, described } from './schema-types.ts';

/** acl.AccessFrom: namespaces allowed to refer to this object (provisional in Flux, not implemented there). */
export const AccessFromSchema = Type.Object({
  namespaceSelectors: Type.Array(Type.Object({ matchLabels: Type.Optional(StringMap()) })),
});
/** acl.AccessFrom. */
export type AccessFrom = Static<typeof AccessFromSchema>;

/** Allowed `spec.type` values: `default` (an HTTP index.yaml) or `oci` (a registry). */
export const HelmRepositoryTypes = ['default', 'oci'] as const;
/** Allowed `spec.provider` values (only read for type oci). */
export const HelmRepositoryProviders = ['generic', 'aws', 'azure', 'gcp'] as const;

/** `spec` of a HelmRepository; `timeout` defaults to `60s`, `provider` to `generic`, `type` to `default`. */
export const HelmRepositorySpecSchema = Type.Object({
  url: Type.String({
    pattern: '^(http|https|oci)://.*$',
    description: 'URL of the Helm repository: http(s) for an index.yaml repository, oci:// for a registry.',
  }),
  secretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with basic-auth credentials: username and password.'),
  ),
  certSecretRef: Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with a PEM client certificate (tls.crt, tls.key) and/or CA certificate (ca.crt); takes precedence over secretRef.',
    ),
  ),
  passCredentials: Type.Optional(
    Type.Boolean({
      description: 'Send the secretRef credentials to chart URLs on a host other than the one of spec.url.',
    }),
  ),
  interval: Type.Optional(Duration({ description: 'How often the index is fetched; defaults to 1m.' })),
  insecure: Type.Optional(
    Type.Boolean({ description: 'Allow a plain-HTTP OCI registry; only read when spec.type is oci.' }),
  ),
  timeout: Type.Optional(
    Type.String({
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$',
      description: 'Time limit of the index fetch; defaults to 60s.',
    }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
  accessFrom: Type.Optional(
    described(AccessFromSchema, 'Access control list for cross-namespace references (provisional in Flux).'),
  ),
  type: Type.Optional(StringEnum(HelmRepositoryTypes, { description: 'default (HTTP index.yaml) or oci.' })),
  provider: Type.Optional(
    StringEnum(HelmRepositoryProviders, {
      default: 'generic',
      description: 'Authentication provider for an oci repository.',
    }),
  ),
});
/** `spec` of a HelmRepository. */
export type HelmRepositorySpec = Static<typeof HelmRepositorySpecSchema>;

/** `status` of a HelmRepository; defaults to `{observedGeneration: -1}`. */
export const HelmRepositoryStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    url: Type.Optional(Type.String()),
    artifact: Type.Optional(ArtifactSchema),
  },
  { default: StatusDefault },
);
/** `status` of a HelmRepository. */
export type HelmRepositoryStatus = Static<typeof HelmRepositoryStatusSchema>;

/** The whole HelmRepository object, for validating objects read from files or the API. */
export const HelmRepositorySchema = kubeObjectSchema(HelmRepositorySpecSchema, HelmRepositoryStatusSchema);

/** A HelmRepository object. */
export type HelmRepository = FluxObject<HelmRepositorySpec, HelmRepositoryStatus>;

/** apiVersion and kind of HelmRepository. */
export const HelmRepositoryTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.HelmRepository } as const;

/** Flux's reason when the index fetch or parse fails (api/v1 IndexationFailedReason). */
export const IndexationFailedReason = 'IndexationFailed';

/** Default `spec.timeout` of the index fetch. */
export const DefaultHelmRepositoryTimeout = '60s';
/** Requeue interval when `spec.interval` is unset (Flux's GetRequeueAfter). */
export const DefaultHelmRepositoryInterval = '1m';

/** True when the repository is an OCI registry (`spec.type: oci`). */
export function isOciHelmRepository(spec: Pick<HelmRepositorySpec, 'type'>): boolean {
  return spec.type === 'oci';
}

/** Index fetch timeout in ms (`spec.timeout`, default 60 s); throws InvalidDurationError when malformed. */
export function helmRepositoryTimeoutMs(spec: Pick<HelmRepositorySpec, 'timeout'>): number {
  return parseDuration(spec.timeout ?? DefaultHelmRepositoryTimeout, 'spec.timeout');
}

/** Reconcile interval in ms (`spec.interval`, 1m when unset or zero); throws InvalidDurationError when malformed. */
export function helmRepositoryIntervalMs(spec: Pick<HelmRepositorySpec, 'interval'>): number {
  const ms = spec.interval ? parseDuration(spec.interval, 'spec.interval') : 0;
  return ms > 0 ? ms : parseDuration(DefaultHelmRepositoryInterval, 'spec.interval');
}

/** CRD definition of HelmRepository (columns and names as Flux's). */
export const HelmRepositoryCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.HelmRepository,
  plural: 'helmrepositories',
  singular: 'helmrepository',
  shortNames: ['helmrepo'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'HelmRepository fetches the index of a Helm chart repository and stores it as an artifact.',
  specSchema: HelmRepositorySpecSchema,
  statusSchema: HelmRepositoryStatusSchema,
  printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AgeColumn, ReadyColumn, StatusColumn],
};
