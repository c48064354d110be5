// Field support of FluxInstance: Driftless runs no controller images, so everything about images, Pods
// and platform tuning is refused by name; what it honours is the sync, its patches and the lockdown flags.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';
import { patchTargetPaths } from './field-support-kustomize.ts';

const noImages = 'remove it (Driftless runs no Flux controller images and pulls no manifests)';
const genericSync =
  'use provider generic (the default) with the credentials in the Secret named by spec.sync.pullSecret';
const checks = 'src/controllers/flux-instance/spec-checks.test.ts';

/** FluxInstance (fluxcd.controlplane.io/v1); see src/controllers/flux-instance/README.md. */
export const FluxInstanceFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(checks, ['spec.distribution', 'spec.distribution.version']),
    'spec.distribution.registry': { implemented: 'src/controllers/flux-instance/instance-info-metric.test.ts' },
    'spec.distribution.variant': { refused: noImages },
    'spec.distribution.imagePullSecret': { refused: noImages },
    'spec.distribution.artifact': { refused: noImages },
    'spec.distribution.artifactPullSecret': { refused: noImages },
    'spec.components': { implemented: checks },
    ...implementedBy(checks, ['spec.cluster', 'spec.cluster.multitenant', 'spec.cluster.tenantDefaultServiceAccount']),
    'spec.cluster.type': { refused: 'remove it (Driftless applies no platform-specific controller settings)' },
    'spec.cluster.size': { refused: 'remove it and size the manager with `driftless run --concurrent`' },
    'spec.cluster.domain': { refused: 'remove it (Driftless runs no controller Services that would use it)' },
    'spec.cluster.networkPolicy': {
      refused: 'remove it and write NetworkPolicies for the manager yourself (Driftless creates none)',
    },
    'spec.cluster.multitenantWorkloadIdentity': {
      refused: 'set it to false or remove it (no workload identity)',
    },
    'spec.cluster.objectLevelWorkloadIdentity': {
      refused: 'set it to false or remove it (no workload identity)',
    },
    'spec.cluster.tenantDefaultDecryptionServiceAccount': {
      refused: 'remove it (SOPS decryption uses the Kustomization spec.decryption.secretRef only)',
    },
    'spec.cluster.tenantDefaultKubeConfigServiceAccount': {
      refused: 'remove it (remote clusters use the kubeconfig Secret of spec.kubeConfig.secretRef only)',
    },
    'spec.sync': { implemented: 'src/controllers/flux-instance/sync-objects.test.ts' },
    'spec.sync.kind': { implemented: 'src/controllers/flux-instance/sync-objects.test.ts' },
    ...implementedBy('src/controllers/flux-instance/sync-objects.test.ts', [
      'spec.sync.url',
      'spec.sync.ref',
      'spec.sync.path',
      'spec.sync.interval',
      'spec.sync.name',
    ]),
    'spec.sync.pullSecret': { implemented: 'test/e2e/flux-instance.test.ts' },
    'spec.sync.provider': {
      implemented: 'src/controllers/flux-instance/sync-objects.test.ts',
      refusedValues: { aws: genericSync, azure: genericSync, gcp: genericSync, github: genericSync },
    },
    ...implementedBy('src/controllers/flux-instance/build.test.ts', [
      'spec.kustomize',
      'spec.kustomize.patches',
      'spec.kustomize.patches[].patch',
      'spec.commonMetadata',
      'spec.commonMetadata.labels',
      'spec.commonMetadata.annotations',
    ]),
    // The instance's patches go through the same kustomization writer as a Kustomization's.
    ...implementedBy('src/render/kustomization-inputs.test.ts', patchTargetPaths('spec.kustomize.patches[].target')),
    'spec.storage': { refused: 'remove it (artifacts are kept in `driftless run --storage-path`)' },
    ...implementedBy(checks, ['spec.sharding', 'spec.sharding.key', 'spec.sharding.shards']),
    'spec.sharding.storage': {
      implemented: checks,
      refusedValues: {
        persistent: 'set it to ephemeral or remove it (shards keep their artifacts in an emptyDir and rebuild them)',
      },
    },
    'spec.migrateResources': { refused: 'remove it (Driftless does not migrate stored versions of Flux resources)' },
    'spec.wait': { implemented: 'test/e2e/flux-instance.test.ts' },
  },
};
