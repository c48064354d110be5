// Wire-level names shared with Flux: condition types, reasons, annotations, labels, groups.
// Values must match Flux byte for byte because the `flux` CLI and dashboards read them.

/** API groups served by Driftless, identical to Flux's. */
export const Groups = {
  source: 'source.toolkit.fluxcd.io',
  kustomize: 'kustomize.toolkit.fluxcd.io',
  helm: 'helm.toolkit.fluxcd.io',
  notification: 'notification.toolkit.fluxcd.io',
  image: 'image.toolkit.fluxcd.io',
  /** source-watcher's ArtifactGenerator. */
  sourceExtensions: 'source.extensions.fluxcd.io',
} as const;

/** Full `group/version` strings of the GA kinds. */
export const ApiVersions = {
  source: `${Groups.source}/v1`,
  kustomize: `${Groups.kustomize}/v1`,
  helm: `${Groups.helm}/v2`,
} as const;

/** `source.extensions.fluxcd.io/v1beta1`: source-watcher's ArtifactGenerator. */
export const ArtifactGeneratorApiVersion = `${Groups.sourceExtensions}/v1beta1`;

/** Names source-watcher uses (api/v1beta1/artifactgenerator_types.go). */
export const ArtifactGeneratorNames = {
  finalizer: 'source.extensions.fluxcd.io/finalizer',
  /** Label on generated ExternalArtifacts: the generator's UID. */
  generatorLabel: 'source.extensions.fluxcd.io/generator',
  /** `disabled` pauses the generator (source-watcher's suspend). */
  reconcileAnnotation: 'source.extensions.fluxcd.io/reconcile',
  originRevisionAnnotation: 'org.opencontainers.image.revision',
} as const;

/** Kind names. */
export const Kinds = {
  GitRepository: 'GitRepository',
  OCIRepository: 'OCIRepository',
  Bucket: 'Bucket',
  HelmRepository: 'HelmRepository',
  HelmChart: 'HelmChart',
  ExternalArtifact: 'ExternalArtifact',
  Kustomization: 'Kustomization',
  HelmRelease: 'HelmRelease',
  ArtifactGenerator: 'ArtifactGenerator',
} as const;

/** Controller names, used as SSA field managers and as the events' `reportingController`. */
export const ControllerNames = {
  source: 'source-controller',
  kustomize: 'kustomize-controller',
  helm: 'helm-controller',
  notification: 'notification-controller',
  imageReflector: 'image-reflector-controller',
  sourceWatcher: 'source-watcher',
  imageAutomation: 'image-automation-controller',
} as const;

/** The finalizer Flux puts on every reconciled object. */
export const Finalizer = 'finalizers.fluxcd.io';

/** Condition types (fluxcd/pkg apis/meta plus source-controller's). */
export const ConditionTypes = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Healthy: 'Healthy',
  ArtifactInStorage: 'ArtifactInStorage',
  ArtifactOutdated: 'ArtifactOutdated',
  FetchFailed: 'FetchFailed',
  BuildFailed: 'BuildFailed',
  StorageOperationFailed: 'StorageOperationFailed',
  SourceVerified: 'SourceVerified',
  IncludeUnavailable: 'IncludeUnavailable',
} as const;

/** A condition type name. */
export type ConditionType = (typeof ConditionTypes)[keyof typeof ConditionTypes];

/** Condition status values of metav1.Condition. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;

/** Generic reasons (fluxcd/pkg apis/meta) and Kustomization reasons. */
export const Reasons = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  Suspended: 'Suspended',
  DependencyNotReady: 'DependencyNotReady',
  InvalidPath: 'InvalidPath',
  InvalidURL: 'InvalidURL',
  InsecureConnectionsDisallowed: 'InsecureConnectionsDisallowed',
  UnsupportedConnectionType: 'UnsupportedConnectionType',
  ArtifactFailed: 'ArtifactFailed',
  BuildFailed: 'BuildFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  HealthCheckCanceled: 'HealthCheckCanceled',
  PruneFailed: 'PruneFailed',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  ReconciliationFailed: 'ReconciliationFailed',
  InvalidCELExpression: 'InvalidCELExpression',
  FeatureGateDisabled: 'FeatureGateDisabled',
  AccessDenied: 'AccessDenied',
  /** The spec sets a field or value Driftless does not implement (see api/field-support.ts); stalled. */
  NotSupported: 'NotSupported',
} as const;

/** Source-controller reasons (api/v1/condition_types.go). */
export const SourceReasons = {
  URLInvalid: 'URLInvalid',
  AuthenticationFailed: 'AuthenticationFailed',
  VerificationError: 'VerificationError',
  // SourceVerified=False reasons of spec.verify (the commit, the tag, a tag that is not signed, no tag to verify).
  InvalidCommitSignature: 'InvalidCommitSignature',
  InvalidTagSignature: 'InvalidTagSignature',
  InvalidGitObject: 'InvalidGitObject',
  InvalidVerificationMode: 'InvalidVerificationMode',
  DirectoryCreationFailed: 'DirectoryCreationFailed',
  StatOperationFailed: 'StatOperationFailed',
  ReadOperationFailed: 'ReadOperationFailed',
  AcquireLockFailed: 'AcquireLockFailed',
  InvalidPath: 'InvalidPath',
  ArchiveOperationFailed: 'ArchiveOperationFailed',
  SymlinkUpdateFailed: 'SymlinkUpdateFailed',
  ArtifactUpToDate: 'ArtifactUpToDate',
  CacheOperationFailed: 'CacheOperationFailed',
  PatchOperationFailed: 'PatchOperationFailed',
  InvalidSTSConfiguration: 'InvalidSTSConfiguration',
  InvalidProviderConfiguration: 'InvalidProviderConfiguration',
  GitOperationSucceeded: 'GitOperationSucceeded',
  GitOperationFailed: 'GitOperationFailed',
  NewRevision: 'NewRevision',
} as const;

/** Reasons used only on events (not conditions). */
export const EventReasons = {
  NewArtifact: 'NewArtifact',
  ArtifactUpToDate: 'ArtifactUpToDate',
} as const;

/** Annotations and labels that control reconciliation (flux-api.md §2.1). */
export const Annotations = {
  /** Opaque token; a change triggers a reconcile, echoed in `status.lastHandledReconcileAt`. */
  reconcileRequestedAt: 'reconcile.fluxcd.io/requestedAt',
  forceRequestedAt: 'reconcile.fluxcd.io/forceAt',
  resetRequestedAt: 'reconcile.fluxcd.io/resetAt',
  /** Per-object apply policy: Override (default) | Merge | IfNotPresent | Ignore. */
  kustomizeSsa: `${Groups.kustomize}/ssa`,
  /** `disabled` keeps an object out of garbage collection. */
  kustomizePrune: `${Groups.kustomize}/prune`,
  /** `disabled` keeps an object out of apply and prune. */
  kustomizeReconcile: `${Groups.kustomize}/reconcile`,
  /** `enabled` recreates the object on immutable-field errors. */
  kustomizeForce: `${Groups.kustomize}/force`,
  /** `disabled` skips post-build substitution for the object. */
  kustomizeSubstitute: `${Groups.kustomize}/substitute`,
  /** `Disabled` skips SOPS decryption for the object. */
  kustomizeDecrypt: `${Groups.kustomize}/decrypt`,
  /** Event metadata key asking commit-status providers to post an update. */
  kustomizeCommitStatus: `${Groups.kustomize}/commit_status`,
  /** Object annotations with this prefix are copied into every event's metadata. */
  eventPrefix: 'event.toolkit.fluxcd.io/',
  /** Legacy annotations removed from applied objects. */
  kubectlLastApplied: 'kubectl.kubernetes.io/last-applied-configuration',
  kustomizeChecksum: `${Groups.kustomize}/checksum`,
  legacySyncChecksum: 'fluxcd.io/sync-checksum',
} as const;

/** Labels set or read by the controllers. */
export const Labels = {
  /** Owner labels put on every applied object; pruning only deletes objects that carry them. */
  kustomizeName: `${Groups.kustomize}/name`,
  kustomizeNamespace: `${Groups.kustomize}/namespace`,
  helmName: `${Groups.helm}/name`,
  helmNamespace: `${Groups.helm}/namespace`,
  /** `Enabled` on a ConfigMap/Secret makes changes to it trigger reconciles of referencing objects. */
  watch: 'reconcile.fluxcd.io/watch',
  legacySyncGcMark: 'fluxcd.io/sync-gc-mark',
} as const;

/** Values of the owner/apply annotations. */
export const AnnotationValues = {
  disabled: 'disabled',
  enabled: 'enabled',
  ssaOverride: 'Override',
  ssaMerge: 'Merge',
  ssaIfNotPresent: 'IfNotPresent',
  ssaIgnore: 'Ignore',
  watchEnabled: 'Enabled',
  commitStatusUpdate: 'update',
} as const;

/** Flux's default `--watch-configs-label-selector`: the referenced ConfigMaps and Secrets watched for changes. */
export const DefaultWatchConfigsLabelSelector = `${Labels.watch}=${AnnotationValues.watchEnabled}`;
