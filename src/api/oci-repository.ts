// OCIRepository (source.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source (Flux 2.9's fields).
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
import { Duration, StringEnum, described } from './schema-types.ts';

/** What to pull; precedence digest > semver > tag, and the `latest` tag when empty. */
export const OCIRepositoryRefSchema = Type.Object({
  digest: Type.Optional(
    Type.String({ description: "Image digest to pull ('sha256:<hex>'); wins over semver and tag." }),
  ),
  semver: Type.Optional(
    Type.String({ description: 'Range of tags to pull, the highest version in it; wins over tag.' }),
  ),
  semverFilter: Type.Optional(
    Type.String({ description: 'Regular expression (Go syntax) tags must match to count for semver.' }),
  ),
  tag: Type.Optional(Type.String({ description: 'Image tag to pull; defaults to latest.' })),
});
/** `spec.ref` of an OCIRepository. */
export type OCIRepositoryRef = Static<typeof OCIRepositoryRefSchema>;

/** The layer operations of `spec.layerSelector.operation`. */
export const OCILayerOperations = ['extract', 'copy'] as const;

/** Which layer of the artifact becomes the source, and how. */
export const OCILayerSelectorSchema = Type.Object({
  mediaType: Type.Optional(
    Type.String({ description: 'Media type of the layer to use; the first layer of that type is selected.' }),
  ),
  operation: Type.Optional(
    StringEnum(OCILayerOperations, {
      description: "extract (default) unpacks the layer's tarball; copy stores the compressed layer as it is.",
    }),
  ),
});
/** `spec.layerSelector` of an OCIRepository. */
export type OCILayerSelector = Static<typeof OCILayerSelectorSchema>;

/** Keyless-signature identity matchers (regular expressions). */
export const OIDCIdentityMatchSchema = Type.Object({
  issuer: Type.String({ description: 'Regular expression the OIDC issuer of the Fulcio certificate must match.' }),
  subject: Type.String({ description: 'Regular expression the identity subject of the certificate must match.' }),
});

/** Signature verification of the artifact. */
export const OCIRepositoryVerificationSchema = Type.Object({
  provider: StringEnum(['cosign', 'notation'] as const, {
    default: 'cosign',
    description: 'Technology used to sign the artifact.',
  }),
  secretRef: Type.Optional(described(LocalObjectReferenceSchema, 'Secret with the trusted public keys.')),
  matchOIDCIdentity: Type.Optional(
    Type.Array(OIDCIdentityMatchSchema, { description: 'Identities accepted for keyless cosign signatures.' }),
  ),
  trustedRootSecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with a Sigstore trusted_root.json for self-hosted Sigstore.'),
  ),
});

/** Allowed `spec.provider` values. */
export const OCIProviders = ['generic', 'aws', 'azure', 'gcp'] as const;

/** Flux's OCIRepository timeout pattern: no hours. */
const TimeoutPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

/** `spec` of an OCIRepository; `timeout` defaults to `60s`, `provider` to `generic`. */
export const OCIRepositorySpecSchema = Type.Object({
  url: Type.String({
    pattern: '^oci://.*$',
    description: 'Repository address: oci://<registry>/<path>, without a tag.',
  }),
  ref: Type.Optional(described(OCIRepositoryRefSchema, 'What to pull and watch; defaults to the latest tag.')),
  layerSelector: Type.Optional(described(OCILayerSelectorSchema, 'Which layer to use; the first layer when unset.')),
  provider: Type.Optional(
    StringEnum(OCIProviders, { default: 'generic', description: 'How to authenticate: generic uses secretRef.' }),
  ),
  secretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret of type kubernetes.io/dockerconfigjson with registry credentials.'),
  ),
  verify: Type.Optional(described(OCIRepositoryVerificationSchema, 'Verify the signature of the artifact.')),
  serviceAccountName: Type.Optional(
    Type.String({ description: 'Service account whose imagePullSecrets authenticate the pull.' }),
  ),
  certSecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with tls.crt/tls.key and/or ca.crt for the registry connection.'),
  ),
  proxySecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with the proxy address and optional username/password.'),
  ),
  interval: Duration({ description: 'How often to check the repository for a new artifact.' }),
  timeout: Type.Optional(
    Type.String({ pattern: TimeoutPattern, default: '60s', description: 'Time limit of the registry operations.' }),
  ),
  ignore: Type.Optional(
    Type.String({ description: '.gitignore-style rules for files left out of the artifact; replaces the defaults.' }),
  ),
  insecure: Type.Optional(Type.Boolean({ description: 'Connect to the registry over plain HTTP.' })),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
});
/** `spec` of an OCIRepository. */
export type OCIRepositorySpec = Static<typeof OCIRepositorySpecSchema>;

/** `status` of an OCIRepository; defaults to `{observedGeneration: -1}`. */
export const OCIRepositoryStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    url: Type.Optional(Type.String()),
    artifact: Type.Optional(ArtifactSchema),
    observedIgnore: Type.Optional(Type.String()),
    observedLayerSelector: Type.Optional(OCILayerSelectorSchema),
  },
  { default: StatusDefault },
);
/** `status` of an OCIRepository. */
export type OCIRepositoryStatus = Static<typeof OCIRepositoryStatusSchema>;

/** The whole OCIRepository object, for validating objects read from files or the API. */
export const OCIRepositorySchema = kubeObjectSchema(OCIRepositorySpecSchema, OCIRepositoryStatusSchema);

/** An OCIRepository object. */
export type OCIRepository = FluxObject<OCIRepositorySpec, OCIRepositoryStatus>;

/** apiVersion and kind of OCIRepository. */
export const OCIRepositoryTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.OCIRepository } as const;

/** Default `spec.timeout` of registry operations. */
export const DefaultOCITimeout = '60s';

/** Registry operation timeout in ms (`spec.timeout`, default 60 s); throws InvalidDurationError when malformed. */
export function ociRepositoryTimeoutMs(spec: Pick<OCIRepositorySpec, 'timeout'>): number {
  return parseDuration(spec.timeout ?? DefaultOCITimeout, 'spec.timeout');
}

/** `spec.layerSelector.operation`, `extract` when unset (Flux's `GetLayerOperation`). */
export function ociLayerOperation(spec: Pick<OCIRepositorySpec, 'layerSelector'>): 'extract' | 'copy' {
  return spec.layerSelector?.operation ?? 'extract';
}

/** CRD definition of OCIRepository (columns and names as Flux's). */
export const OCIRepositoryCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.OCIRepository,
  plural: 'ocirepositories',
  singular: 'ocirepository',
  shortNames: ['ocirepo'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'OCIRepository pulls an artifact from an OCI registry and stores its content as a tar.gz artifact.',
  specSchema: OCIRepositorySpecSchema,
  statusSchema: OCIRepositoryStatusSchema,
  printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AgeColumn, ReadyColumn, StatusColumn],
};
