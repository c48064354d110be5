// Field support of Kustomization and GitRepository: what the reconcilers honour, what they refuse.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

/** The selector fields of a kustomize patch target under `prefix`, e.g. `spec.patches[].target`. */
export function patchTargetPaths(prefix: string): string[] {
  const fields = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'];
  return [prefix, ...fields.map((f) => `${prefix}.${f}`)];
}

const overlays = 'src/render/kustomization-inputs.test.ts';

/** Kustomization (kustomize.toolkit.fluxcd.io/v1). */
export const KustomizationFieldSupport: KindFieldSupport = {
  fields: {
    'spec.sourceRef': { implemented: 'src/controllers/kustomization/steps/source.test.ts' },
    'spec.sourceRef.kind': { implemented: 'test/e2e/artifact-generator.test.ts' },
    ...implementedBy('src/controllers/kustomization/steps/source.test.ts', [
      'spec.sourceRef.name',
      'spec.sourceRef.namespace',
    ]),
    // kustomize-controller finds the source by kind, namespace and name only.
    'spec.sourceRef.apiVersion': { fluxIgnores: 'kustomize-controller looks sources up by kind and name only' },
    'spec.path': { implemented: 'src/controllers/kustomization/steps/build.test.ts' },
    ...implementedBy('src/api/kustomization.test.ts', ['spec.interval', 'spec.retryInterval', 'spec.timeout']),
    'spec.deletionPolicy': {
      implemented: 'src/api/kustomization.test.ts',
      refusedValues: {
        WaitForTermination: 'use Delete (Driftless deletes the objects but does not wait for them to terminate)',
      },
    },
    ...implementedBy('test/e2e/core-loop.test.ts', ['spec.prune', 'spec.suspend']),
    ...implementedBy('src/controllers/kustomization/steps/dependencies.test.ts', [
      'spec.dependsOn',
      'spec.dependsOn[].name',
      'spec.dependsOn[].namespace',
    ]),
    'spec.dependsOn[].readyExpr': { implemented: 'src/controllers/kustomization/steps/dependencies.test.ts' },
    ...implementedBy(overlays, [
      'spec.targetNamespace',
      'spec.namePrefix',
      'spec.nameSuffix',
      'spec.patches',
      'spec.patches[].patch',
      ...patchTargetPaths('spec.patches[].target'),
      'spec.images',
      'spec.images[].name',
      'spec.images[].newName',
      'spec.images[].newTag',
      'spec.images[].digest',
      'spec.components',
      'spec.ignoreMissingComponents',
      'spec.postBuild',
      'spec.postBuild.substitute',
      'spec.postBuild.substituteFrom',
      'spec.postBuild.substituteFrom[].kind',
      'spec.postBuild.substituteFrom[].name',
      'spec.postBuild.substituteFrom[].optional',
      'spec.postBuild.substituteStrategy',
    ]),
    ...implementedBy('src/render/kustomize-build.int.test.ts', [
      'spec.commonMetadata',
      'spec.commonMetadata.labels',
      'spec.commonMetadata.annotations',
    ]),
    'spec.buildMetadata': { implemented: 'src/render/kustomize-build.int.test.ts' },
    ...implementedBy('test/e2e/sops.test.ts', [
      'spec.decryption',
      'spec.decryption.provider',
      'spec.decryption.secretRef',
      'spec.decryption.secretRef.name',
    ]),
    // Workload identity for cloud KMS; only age and OpenPGP keys from spec.decryption.secretRef are implemented.
    'spec.decryption.serviceAccountName': {
      refused:
        'remove it and put age (.agekey) or OpenPGP (.asc) private keys in the Secret of spec.decryption.secretRef',
    },
    'spec.serviceAccountName': { implemented: 'test/e2e/impersonation.test.ts' },
    ...implementedBy('test/e2e/remote-cluster.test.ts', [
      'spec.kubeConfig',
      'spec.kubeConfig.secretRef',
      'spec.kubeConfig.secretRef.name',
      'spec.kubeConfig.secretRef.key',
    ]),
    // Secret-less remote clusters: provider `generic`; aws/azure/gcp in the ConfigMap are NotSupported at run time.
    ...implementedBy('test/e2e/remote-cluster-workload-identity.test.ts', [
      'spec.kubeConfig.configMapRef',
      'spec.kubeConfig.configMapRef.name',
    ]),
    ...implementedBy('test/e2e/dependencies-health.test.ts', [
      'spec.healthChecks',
      'spec.healthChecks[].apiVersion',
      'spec.healthChecks[].kind',
      'spec.healthChecks[].name',
      'spec.healthChecks[].namespace',
      'spec.wait',
    ]),
    ...implementedBy('src/controllers/kustomization/steps/health.test.ts', [
      'spec.healthCheckExprs',
      'spec.healthCheckExprs[].apiVersion',
      'spec.healthCheckExprs[].kind',
      'spec.healthCheckExprs[].current',
      'spec.healthCheckExprs[].inProgress',
      'spec.healthCheckExprs[].failed',
    ]),
    'spec.force': { implemented: 'src/apply/apply.int.test.ts' },
    ...implementedBy('test/e2e/drift-ignore.test.ts', ['spec.ignore', 'spec.ignore[].paths']),
    ...implementedBy('src/apply/ignore-rules.test.ts', patchTargetPaths('spec.ignore[].target')),
  },
};

const useGeneric = 'use provider generic (the default) with credentials in a Secret referenced by spec.secretRef';

/** GitRepository (source.toolkit.fluxcd.io/v1). */
export const GitRepositoryFieldSupport: KindFieldSupport = {
  fields: {
    'spec.url': { implemented: 'src/controllers/git-repository/reconciler.test.ts' },
    ...implementedBy('test/e2e/ssh-source.test.ts', ['spec.secretRef', 'spec.secretRef.name']),
    'spec.provider': {
      implemented: 'src/api/field-support.test.ts',
      refusedValues: { aws: useGeneric, azure: useGeneric, github: useGeneric },
    },
    ...implementedBy('src/api/git-repository.test.ts', ['spec.interval', 'spec.timeout']),
    ...implementedBy('src/sources/git/ref.test.ts', [
      'spec.ref',
      'spec.ref.branch',
      'spec.ref.tag',
      'spec.ref.semver',
      'spec.ref.name',
      'spec.ref.commit',
    ]),
    ...implementedBy('src/controllers/git-repository/verify-step.test.ts', [
      'spec.verify',
      'spec.verify.mode',
      'spec.verify.secretRef',
      'spec.verify.secretRef.name',
    ]),
    ...implementedBy('test/e2e/git-source-features.test.ts', ['spec.proxySecretRef', 'spec.proxySecretRef.name']),
    'spec.serviceAccountName': {
      refused: 'remove it and put credentials in a Secret referenced by spec.secretRef (no workload identity)',
    },
    'spec.ignore': { implemented: 'src/artifacts/ignore.test.ts' },
    'spec.suspend': { implemented: 'test/e2e/flux-cli.test.ts' },
    ...implementedBy('test/e2e/git-source-features.test.ts', [
      'spec.include',
      'spec.include[].repository',
      'spec.include[].repository.name',
      'spec.include[].fromPath',
      'spec.include[].toPath',
      'spec.sparseCheckout',
      'spec.recurseSubmodules',
    ]),
  },
};
