// Field support of HelmRelease (helm.toolkit.fluxcd.io/v2): what the reconciler honours, what it refuses.
import { patchTargetPaths } from './field-support-kustomize.ts';
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/helm-release.test.ts';
const storageAndTests = 'test/e2e/helm-release-storage-tests.test.ts';
const api = 'src/api/helm-release.test.ts';
const options = 'src/controllers/helm-release/release.test.ts';
const template = 'src/controllers/helm-release/chart.test.ts';
const values = 'src/helm/values.test.ts';
const cliArgs = 'src/helm/cli-args.test.ts';
const drift = 'test/e2e/helm-release-drift.test.ts';
const postRender = 'test/e2e/helm-release-post-render.test.ts';
const postRenderUnit = 'src/helm/post-render.test.ts';
const crds = 'test/e2e/helm-release-crds.test.ts';
const retry = 'src/controllers/helm-release/retry.test.ts';
const remote = 'test/e2e/helm-release-remote.test.ts';
const verifyE2e = 'test/e2e/helm-chart-verify.test.ts';

/** HelmRelease (helm.toolkit.fluxcd.io/v2). */
export const HelmReleaseFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, ['spec.chart', 'spec.chart.spec', 'spec.chart.spec.chart', 'spec.chart.spec.sourceRef']),
    ...implementedBy(template, [
      'spec.chart.metadata',
      'spec.chart.metadata.labels',
      'spec.chart.metadata.annotations',
      'spec.chart.spec.version',
      'spec.chart.spec.sourceRef.name',
      'spec.chart.spec.sourceRef.namespace',
      'spec.chart.spec.interval',
      'spec.chart.spec.reconcileStrategy',
      'spec.chart.spec.valuesFiles',
      'spec.chart.spec.ignoreMissingValuesFiles',
    ]),
    // The HelmChart the template makes reports a source kind it cannot serve on its own status.
    'spec.chart.spec.sourceRef.kind': { implemented: template },
    'spec.chart.spec.sourceRef.apiVersion': {
      fluxIgnores: 'helm-controller builds the HelmChart from kind and name only',
    },
    // Copied into the HelmChart, which verifies (or refuses) it.
    ...implementedBy(verifyE2e, [
      'spec.chart.spec.verify',
      'spec.chart.spec.verify.secretRef',
      'spec.chart.spec.verify.secretRef.name',
    ]),
    'spec.chart.spec.verify.provider': {
      implemented: verifyE2e,
      refusedValues: {
        notation:
          'sign the chart with cosign and a key pair, and name the public key Secret in spec.chart.spec.verify.secretRef',
      },
    },
    ...implementedBy(e2e, ['spec.chartRef', 'spec.chartRef.name']),
    // OCIRepository and HelmChart: test/e2e/helm-release-oci.test.ts; ExternalArtifact (an ArtifactGenerator's):
    'spec.chartRef.kind': { implemented: 'test/e2e/helm-release-external-artifact.test.ts' },
    'spec.chartRef.namespace': { implemented: template },
    'spec.chartRef.apiVersion': { fluxIgnores: 'helm-controller looks the chart source up by kind and name only' },
    ...implementedBy(api, [
      'spec.interval',
      'spec.timeout',
      'spec.releaseName',
      'spec.targetNamespace',
      'spec.maxHistory',
    ]),
    'spec.storageNamespace': { implemented: storageAndTests },
    'spec.suspend': { implemented: e2e },
    ...implementedBy(remote, [
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
    ...implementedBy(e2e, ['spec.dependsOn', 'spec.dependsOn[].name', 'spec.dependsOn[].namespace']),
    'spec.dependsOn[].readyExpr': { implemented: 'src/controllers/helm-release/inputs.test.ts' },
    'spec.serviceAccountName': { implemented: options },
    // Driftless spawns helm per action; there is no client to keep, so both values behave the same.
    'spec.persistentClient': { implemented: options },
    'spec.driftDetection': { implemented: options },
    ...implementedBy(drift, [
      'spec.driftDetection.mode',
      'spec.driftDetection.ignore',
      'spec.driftDetection.ignore[].paths',
      'spec.driftDetection.ignore[].target',
    ]),
    ...implementedBy('src/apply/ignore-rules.test.ts', patchTargetPaths('spec.driftDetection.ignore[].target')),
    ...implementedBy(options, [
      'spec.install',
      'spec.install.timeout',
      'spec.install.disableTakeOwnership',
      'spec.install.disableWait',
      'spec.install.disableWaitForJobs',
      'spec.install.disableHooks',
      'spec.install.disableOpenAPIValidation',
      'spec.install.disableSchemaValidation',
      'spec.install.replace',
      'spec.install.createNamespace',
      'spec.install.serverSideApply',
      'spec.install.remediation',
      'spec.install.remediation.retries',
      'spec.install.remediation.ignoreTestFailures',
      'spec.install.remediation.remediateLastFailure',
      'spec.install.strategy',
    ]),
    'spec.install.skipCRDs': {
      fluxIgnores: 'deprecated: helm-controller applies crds/ per spec.install.crds and never reads it',
    },
    ...implementedBy(retry, ['spec.install.strategy.name', 'spec.install.strategy.retryInterval']),
    'spec.install.crds': { implemented: crds },
    ...implementedBy(options, [
      'spec.upgrade',
      'spec.upgrade.timeout',
      'spec.upgrade.disableTakeOwnership',
      'spec.upgrade.disableWait',
      'spec.upgrade.disableWaitForJobs',
      'spec.upgrade.disableHooks',
      'spec.upgrade.disableOpenAPIValidation',
      'spec.upgrade.disableSchemaValidation',
      'spec.upgrade.force',
      'spec.upgrade.preserveValues',
      'spec.upgrade.cleanupOnFail',
      'spec.upgrade.serverSideApply',
      'spec.upgrade.remediation',
      'spec.upgrade.remediation.retries',
      'spec.upgrade.remediation.ignoreTestFailures',
      'spec.upgrade.remediation.remediateLastFailure',
      'spec.upgrade.remediation.strategy',
      'spec.upgrade.strategy',
      'spec.upgrade.chartNameChangeStrategy',
    ]),
    ...implementedBy(retry, ['spec.upgrade.strategy.name', 'spec.upgrade.strategy.retryInterval']),
    'spec.upgrade.crds': { implemented: crds },
    ...implementedBy(options, ['spec.test', 'spec.test.enable', 'spec.test.timeout', 'spec.test.ignoreFailures']),
    ...implementedBy(cliArgs, ['spec.test.filters', 'spec.test.filters[].name', 'spec.test.filters[].exclude']),
    ...implementedBy(options, [
      'spec.rollback',
      'spec.rollback.timeout',
      'spec.rollback.disableWait',
      'spec.rollback.disableWaitForJobs',
      'spec.rollback.disableHooks',
      'spec.rollback.force',
      'spec.rollback.cleanupOnFail',
      'spec.rollback.serverSideApply',
    ]),
    'spec.rollback.recreate': { fluxIgnores: 'deprecated: helm-controller logs a warning and does not read it' },
    ...implementedBy(options, [
      'spec.uninstall',
      'spec.uninstall.timeout',
      'spec.uninstall.disableHooks',
      'spec.uninstall.keepHistory',
      'spec.uninstall.disableWait',
      'spec.uninstall.deletionPropagation',
    ]),
    ...implementedBy(values, [
      'spec.valuesFrom',
      'spec.valuesFrom[].kind',
      'spec.valuesFrom[].name',
      'spec.valuesFrom[].valuesKey',
      'spec.valuesFrom[].targetPath',
      'spec.valuesFrom[].optional',
      'spec.values',
    ]),
    'spec.valuesFrom[].literal': { implemented: values },
    ...implementedBy(postRender, [
      'spec.commonMetadata',
      'spec.commonMetadata.labels',
      'spec.commonMetadata.annotations',
      'spec.postRenderers',
      'spec.postRenderers[].kustomize',
      'spec.postRenderers[].kustomize.patches',
      'spec.postRenderers[].kustomize.patches[].patch',
      'spec.postRenderers[].kustomize.patches[].target',
      'spec.postRenderers[].kustomize.images',
      'spec.postRenderers[].kustomize.images[].name',
      'spec.postRenderers[].kustomize.images[].newTag',
      'spec.postRenderStrategy',
    ]),
    ...implementedBy(postRenderUnit, [
      'spec.postRenderers[].kustomize.images[].newName',
      'spec.postRenderers[].kustomize.images[].digest',
      ...patchTargetPaths('spec.postRenderers[].kustomize.patches[].target'),
    ]),
    'spec.waitStrategy': { implemented: options },
    'spec.waitStrategy.name': { implemented: options },
    ...implementedBy(crds, [
      'spec.healthCheckExprs',
      'spec.healthCheckExprs[].apiVersion',
      'spec.healthCheckExprs[].kind',
      'spec.healthCheckExprs[].current',
      'spec.healthCheckExprs[].inProgress',
      'spec.healthCheckExprs[].failed',
    ]),
  },
};
