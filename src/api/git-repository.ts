// GitRepository (source.toolkit.fluxcd.io/v1): schema, type and spec defaults, from one source.
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

/** Git reference to check out; precedence commit > name > semver > tag > branch. */
export const GitRepositoryRefSchema = Type.Object({
  branch: Type.Optional(Type.String()),
  tag: Type.Optional(Type.String()),
  semver: Type.Optional(Type.String()),
  /** Full reference name, e.g. `refs/pull/420/head`. */
  name: Type.Optional(Type.String()),
  commit: Type.Optional(Type.String()),
});
/** Git reference to check out. */
export type GitRepositoryRef = Static<typeof GitRepositoryRefSchema>;

/** Commit/tag signature verification settings. */
export const GitRepositoryVerificationSchema = Type.Object({
  mode: Type.Optional(StringEnum(['head', 'HEAD', 'Tag', 'TagAndHEAD'] as const, { default: 'HEAD' })),
  secretRef: LocalObjectReferenceSchema,
});
/** Commit/tag signature verification settings. */
export type GitRepositoryVerification = Static<typeof GitRepositoryVerificationSchema>;

/** Another GitRepository's artifact copied into this one. */
export const GitRepositoryIncludeSchema = Type.Object({
  repository: LocalObjectReferenceSchema,
  fromPath: Type.Optional(Type.String()),
  toPath: Type.Optional(Type.String()),
});
/** Another GitRepository's artifact copied into this one. */
export type GitRepositoryInclude = Static<typeof GitRepositoryIncludeSchema>;

/** Allowed `spec.provider` values. */
export const GitProviders = ['generic', 'aws', 'azure', 'github'] as const;

/** `spec` of a GitRepository; `timeout` defaults to `60s`, `provider` to `generic`. */
export const GitRepositorySpecSchema = Type.Object({
  url: Type.String({
    pattern: '^(http|https|ssh)://.*$',
    description: 'Repository address: an http, https or ssh URL.',
  }),
  secretRef: Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with credentials: username/password or bearerToken for HTTPS, identity and known_hosts for SSH.',
    ),
  ),
  provider: Type.Optional(
    StringEnum(GitProviders, { default: 'generic', description: 'How to authenticate: generic uses secretRef.' }),
  ),
  interval: Duration({ description: 'How often to check the repository for new commits.' }),
  timeout: Type.Optional(Duration({ default: '60s', description: 'Time limit of each Git operation.' })),
  ref: Type.Optional(described(GitRepositoryRefSchema, 'What to check out; defaults to the master branch when empty.')),
  verify: Type.Optional(
    described(GitRepositoryVerificationSchema, 'Verify the PGP or SSH signature of the commit or tag.'),
  ),
  proxySecretRef: Type.Optional(
    described(LocalObjectReferenceSchema, 'Secret with the proxy address and optional username/password.'),
  ),
  serviceAccountName: Type.Optional(
    Type.String({ description: 'Service account for workload identity (providers aws and azure).' }),
  ),
  ignore: Type.Optional(
    Type.String({ description: '.gitignore-style rules for files left out of the artifact; replaces the defaults.' }),
  ),
  suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object while true.' })),
  recurseSubmodules: Type.Optional(Type.Boolean({ description: 'Clone submodules too.' })),
  include: Type.Optional(
    Type.Array(GitRepositoryIncludeSchema, {
      description: 'Artifacts of other GitRepositories copied into this artifact.',
    }),
  ),
  sparseCheckout: Type.Optional(
    Type.Array(Type.String(), { description: 'Only these directories end up in the artifact.' }),
  ),
});
/** `spec` of a GitRepository. */
export type GitRepositorySpec = Static<typeof GitRepositorySpecSchema>;

/** `status` of a GitRepository; defaults to `{observedGeneration: -1}`. */
export const GitRepositoryStatusSchema = Type.Object(
  {
    ...CommonStatusProperties,
    artifact: Type.Optional(ArtifactSchema),
    includedArtifacts: Type.Optional(Type.Array(ArtifactSchema)),
    observedIgnore: Type.Optional(Type.String()),
    observedRecurseSubmodules: Type.Optional(Type.Boolean()),
    observedInclude: Type.Optional(Type.Array(GitRepositoryIncludeSchema)),
    observedSparseCheckout: Type.Optional(Type.Array(Type.String())),
    sourceVerificationMode: Type.Optional(Type.String()),
  },
  { default: StatusDefault },
);
/** `status` of a GitRepository. */
export type GitRepositoryStatus = Static<typeof GitRepositoryStatusSchema>;

/** The whole GitRepository object, for validating objects read from files or the API. */
export const GitRepositorySchema = kubeObjectSchema(GitRepositorySpecSchema, GitRepositoryStatusSchema);

/** A GitRepository object. */
export type GitRepository = FluxObject<GitRepositorySpec, GitRepositoryStatus>;

/** apiVersion and kind of GitRepository. */
export const GitRepositoryTypeMeta = { apiVersion: ApiVersions.source, kind: Kinds.GitRepository } as const;

/** Flux's default reference when `spec.ref` is unset or empty. */
export const DefaultGitRef = { branch: 'master' } as const;

/** Default `spec.timeout` of git operations. */
export const DefaultGitTimeout = '60s';

/** The reference to check out: `spec.ref` when it names anything, else `{branch: 'master'}`. */
export function gitRepositoryRef(spec: Pick<GitRepositorySpec, 'ref'>): GitRepositoryRef {
  const ref = spec.ref;
  if (ref && (ref.branch || ref.tag || ref.semver || ref.name || ref.commit)) return ref;
  return { ...DefaultGitRef };
}

/** Git operation timeout in ms (`spec.timeout`, default 60 s); throws InvalidDurationError when malformed. */
export function gitRepositoryTimeoutMs(spec: Pick<GitRepositorySpec, 'timeout'>): number {
  return parseDuration(spec.timeout ?? DefaultGitTimeout, 'spec.timeout');
}

/** Reconcile interval in ms; throws InvalidDurationError when malformed. */
export function gitRepositoryIntervalMs(spec: Pick<GitRepositorySpec, 'interval'>): number {
  return parseDuration(spec.interval, 'spec.interval');
}

/** CRD definition of GitRepository (columns and names as Flux's). */
export const GitRepositoryCrd: CrdDefinition = {
  group: Groups.source,
  version: 'v1',
  kind: Kinds.GitRepository,
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  categories: ['all', 'fluxcd', 'fluxcd-sources'],
  description: 'GitRepository fetches a Git repository at a reference and stores it as a tar.gz artifact.',
  specSchema: GitRepositorySpecSchema,
  statusSchema: GitRepositoryStatusSchema,
  printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AgeColumn, ReadyColumn, StatusColumn],
};
