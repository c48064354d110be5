// Bucket (source.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ApiVersions, Groups, Kinds } from './constants.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { parseDuration } from './duration.ts';
import {
  ArtifactSchema,
  CommonStatusProperties,
  LocalObjectReferenceSchema,
  StatusDefault,
  kubeObjectSchema,
} from './meta.ts';
import type { FluxObject } from './meta.ts';
import { Duration, StringEnum, described } from './schema-types.ts';

/** Allowed `spec.provider` values; `generic` is any S3-compatible server. */
export const BucketProviders = ['generic', 'aws', 'gcp', 'azure'] as const;

/** Allowed `spec.sts.provider` values. */
export const BucketStsProviders = ['aws', 'ldap'] as const;

/** Security Token Service settings (`spec.sts`). */
export const BucketStsSchema = Type.Object({
  provider: StringEnum(BucketStsProviders, { description: 'Provider of the Security Token Service.' }),
  endpoint: Type.String({
    pattern: '^(http|https)://.*$',
    description: 'HTTP/S endpoint of the Security Token Service temporary credentials are fetched from.',
  }),
  secretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with username and password for the STS endpoint (ldap only).'),
  ),
  certSecretRef: Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with tls.crt/tls.key and/or ca.crt for the STS endpoint (ldap only).',
    ),
  ),
});
/** Security Token Service settings. */
export type BucketSts = Static<typeof BucketStsSchema>;

/** `spec` of a Bucket; `provider` defaults to `generic`, `timeout` to `60s`. */
export const BucketSpecSchema = Type.Object({
  provider: Type.Optional(
    StringEnum(BucketProviders, {
      default: 'generic',
      description: "Provider of the object storage bucket; 'generic' is any S3 (API) compatible storage.",
    }),
  ),
  bucketName: Type.String({ description: 'Name of the object storage bucket.' }),
  endpoint: Type.String({ description: 'Object storage address (host[:port]) the bucket is located at.' }),
  sts: Type.Optional(described(BucketStsSchema, 'Security Token Service for temporary credentials (aws, generic).')),
  insecure: Type.Optional(Type.Boolean({ description: 'Connect to a non-TLS HTTP endpoint.' })),
  region: Type.Optional(Type.String({ description: 'Region of the endpoint the bucket is located in.' })),
  prefix: Type.Optional(Type.String({ description: 'Server-side filter: only objects whose key starts with it.' })),
  secretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with the accesskey and secretkey of the bucket.'),
  ),
  serviceAccountName: Type.Optional(
    Type.String({ description: 'Service account for workload identity (providers gcp and aws).' }),
  ),
  certSecretRef: Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with a PEM client certificate and key (tls.crt, tls.key) and/or CA certificate (ca.crt); generic provider only.',
    ),
  ),
  proxySecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with the proxy address and optional username/password.'),
  ),
  interval: Duration({ description: 'How often the bucket is checked for changes.' }),
  timeout: Type.Optional(
    Duration({
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$',
      default: '60s',
      description: 'Time limit of the fetch operations.',
    }),
  ),
  ignore: Type.Optional(
    Type.String({ description: '.gitignore-style rules for object keys left out of the artifact.' }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
});
/** `spec` of a Bucket. */
export type BucketSpec = Static<typeof BucketSpecSchema>;

/** `status` of a Bucket; defaults to `{observedGeneration: -1}`. */
export const BucketStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    url: Type.Optional(Type.String()),
    artifact: Type.Optional(ArtifactSchema),
    observedIgnore: Type.Optional(Type.String()),
  },
  { default: StatusDefault },
);
/** `status` of a Bucket. */
export type BucketStatus = Static<typeof BucketStatusSchema>;

/** The whole Bucket object, for validating objects read from files or the API. */
export const BucketSchema = kubeObjectSchema(BucketSpecSchema, BucketStatusSchema);

/** A Bucket object. */
export type Bucket = FluxObject<BucketSpec, BucketStatus>;

/** apiVersion and kind of Bucket. */
export const BucketTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.Bucket } as const;

/** Ready reasons of Bucket (source-controller's api/v1/bucket_types.go). */
export const BucketReasons = {
  BucketOperationSucceeded: 'BucketOperationSucceeded',
  /** Listing or fetching the bucket's objects failed. */
  BucketOperationFailed: 'BucketOperationFailed',
} as const;

/** Default `spec.timeout`. */
export const DefaultBucketTimeout = '60s';

/** Fetch timeout in ms (`spec.timeout`, default 60 s); throws InvalidDurationError when malformed. */
export function bucketTimeoutMs(spec: Pick<BucketSpec, 'timeout'>): number {
  return parseDuration(spec.timeout ?? DefaultBucketTimeout, 'spec.timeout');
}

/** Reconcile interval in ms; throws InvalidDurationError when malformed. */
export function bucketIntervalMs(spec: Pick<BucketSpec, 'interval'>): number {
  return parseDuration(spec.interval, 'spec.interval');
}

// source-controller's spec-level CEL rules, lifted to the root as `self.spec`.
const specRule = (rule: string): string => `!has(self.spec) || (${rule.replaceAll('self.', 'self.spec.')})`;

/** CRD definition of Bucket (columns, names and validation rules as Flux's). */
export const BucketCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.Bucket,
  plural: 'buckets',
  singular: 'bucket',
  shortNames: [],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'Bucket fetches the objects of an S3-compatible bucket and stores them as a tar.gz artifact.',
  specSchema: BucketSpecSchema,
  statusSchema: BucketStatusSchema,
  printerColumns: [
    { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
    AgeColumn,
    ReadyColumn,
    StatusColumn,
  ],
  validations: [
    {
      rule: specRule("self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)"),
      message: "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
    },
    {
      rule: specRule("self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'"),
      message: "'aws' is the only supported STS provider for the 'aws' Bucket provider",
    },
    {
      rule: specRule("self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'"),
      message: "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
    },
    {
      rule: specRule("!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)"),
      message: "spec.sts.secretRef is not required for the 'aws' STS provider",
    },
    {
      rule: specRule("!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)"),
      message: "spec.sts.certSecretRef is not required for the 'aws' STS provider",
    },
    {
      rule: specRule("self.provider != 'generic' || !has(self.serviceAccountName)"),
      message: "ServiceAccountName is not supported for the 'generic' Bucket provider",
    },
    {
      rule: specRule('!has(self.secretRef) || !has(self.serviceAccountName)'),
      message: 'cannot set both .spec.secretRef and .spec.serviceAccountName',
    },
  ],
};
