// ImageRepository (image.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source (Flux 2.9's fields).
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Groups } from './constants.ts';
import { parseDuration } from './duration.ts';
import { AccessFromSchema } from './helm-repository.ts';
import { CommonStatusProperties, LocalObjectReferenceSchema, StatusDefault, kubeObjectSchema } from './meta.ts';
import type { FluxObject } from './meta.ts';
import { AgeColumn, ReadyColumn, StatusColumn } from './crd-definition.ts';
import type { CrdDefinition } from './crd-definition.ts';
import { DateTime, Duration, StringEnum, described } from './schema-types.ts';

/** `image.toolkit.fluxcd.io/v1`. */
export const ImageApiVersion = `${Groups.image}/v1`;

/** The exclusion list Flux applies when `spec.exclusionList` is empty: cosign signature tags. */
export const DefaultExclusionList: readonly string[] = ['^.*\\.sig$'];

/** Allowed `spec.provider` values. */
export const ImageRepositoryProviders = ['generic', 'aws', 'azure', 'gcp'] as const;

/** `spec` of an ImageRepository. */
export const ImageRepositorySpecSchema = Type.Object({
  image: Type.String({ description: 'Name of the image repository to scan, e.g. ghcr.io/org/app (no tag).' }),
  interval: Duration({ description: 'Time between scans of the image repository.' }),
  timeout: Type.Optional(
    Type.String({
      pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$',
      description: 'Time limit of a scan; defaults to the interval (at least 1s).',
    }),
  ),
  secretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret of type kubernetes.io/dockerconfigjson with registry credentials.'),
  ),
  proxySecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with the proxy address and optional username/password.'),
  ),
  serviceAccountName: Type.Optional(
    Type.String({ maxLength: 253, description: 'Service account whose imagePullSecrets authenticate the scan.' }),
  ),
  certSecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with tls.crt/tls.key and/or ca.crt for the registry connection.'),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop scanning while true.' })),
  accessFrom: Type.Optional(
    described(AccessFromSchema, 'Namespaces whose ImagePolicies may refer to this ImageRepository.'),
  ),
  exclusionList: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: 25,
      default: [...DefaultExclusionList],
      description: 'Regular expressions (RE2) of tags left out of the scan result.',
    }),
  ),
  provider: Type.Optional(
    StringEnum(ImageRepositoryProviders, {
      default: 'generic',
      description: 'How to authenticate: generic uses secretRef.',
    }),
  ),
  insecure: Type.Optional(Type.Boolean({ description: 'Connect to the registry over plain HTTP.' })),
});
/** `spec` of an ImageRepository. */
export type ImageRepositorySpec = Static<typeof ImageRepositorySpecSchema>;

/** `status.lastScanResult`. */
export const ScanResultSchema = Type.Object({
  revision: Type.Optional(Type.String({ description: 'Stable hash of the scanned tags.' })),
  tagCount: Type.Integer({ description: 'Number of tags found in the last scan.' }),
  scanTime: Type.Optional(DateTime({ description: 'When the last scan was performed.' })),
  latestTags: Type.Optional(
    Type.Array(Type.String(), { description: 'The first 10 tags in descending alphabetical order.' }),
  ),
});
/** `status.lastScanResult` of an ImageRepository. */
export type ScanResult = Static<typeof ScanResultSchema>;

/** `status` of an ImageRepository; defaults to `{observedGeneration: -1}`. */
export const ImageRepositoryStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    canonicalImageName: Type.Optional(Type.String()),
    lastScanResult: Type.Optional(ScanResultSchema),
    observedExclusionList: Type.Optional(Type.Array(Type.String())),
  },
  { default: StatusDefault },
);
/** `status` of an ImageRepository. */
export type ImageRepositoryStatus = Static<typeof ImageRepositoryStatusSchema>;

/** The whole ImageRepository object. */
export const ImageRepositorySchema = kubeObjectSchema(ImageRepositorySpecSchema, ImageRepositoryStatusSchema);

/** An ImageRepository object. */
export type ImageRepository = FluxObject<ImageRepositorySpec, ImageRepositoryStatus>;

/** `spec.exclusionList`, or the default when empty (Flux's `GetExclusionList`). */
export function exclusionListOf(spec: Pick<ImageRepositorySpec, 'exclusionList'>): string[] {
  return spec.exclusionList && spec.exclusionList.length > 0 ? [...spec.exclusionList] : [...DefaultExclusionList];
}

/** Scan timeout in ms: `spec.timeout`, else the interval, at least 1 s (Flux's `GetTimeout`). */
export function imageRepositoryTimeoutMs(spec: Pick<ImageRepositorySpec, 'interval' | 'timeout'>): number {
  const ms =
    spec.timeout !== undefined
      ? parseDuration(spec.timeout, 'spec.timeout')
      : parseDuration(spec.interval, 'spec.interval');
  return Math.max(ms, 1000);
}

/** CRD definition of ImageRepository (columns and names as Flux's). */
export const ImageRepositoryCrd: CrdDefinition = {
  group: Groups.image,
  version: 'v1',
  kind: 'ImageRepository',
  plural: 'imagerepositories',
  singular: 'imagerepository',
  shortNames: ['imgrepo', 'imagerepo'],
  categories: ['all', 'fluxcd', 'fluxcd-images'],
  description: 'ImageRepository scans a container image repository for its tags.',
  specSchema: ImageRepositorySpecSchema,
  statusSchema: ImageRepositoryStatusSchema,
  printerColumns: [
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Tags', type: 'string', jsonPath: '.status.lastScanResult.tagCount' },
    ReadyColumn,
    StatusColumn,
    { name: 'Last scan', type: 'string', jsonPath: '.status.lastScanResult.scanTime', priority: 1 },
    AgeColumn,
  ],
};

/** image-reflector-controller's reasons (api/v1/condition_types.go). */
export const ImageReasons = {
  ImageURLInvalid: 'ImageURLInvalid',
  DependencyNotReady: 'DependencyNotReady',
  AuthenticationFailed: 'AuthenticationFailed',
  ReadOperationFailed: 'ReadOperationFailed',
  IntervalNotConfigured: 'IntervalNotConfigured',
} as const;
