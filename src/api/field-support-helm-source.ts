// Field support of the Helm sources, HelmRepository and HelmChart: what the reconcilers honour, what they refuse.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/helm-sources.test.ts';
const verifyE2e = 'test/e2e/helm-chart-verify.test.ts';
const repoApi = 'src/api/helm-repository.test.ts';
const chartApi = 'src/api/helm-chart.test.ts';
const cloudProviders =
  'use generic with spec.secretRef (cloud workload identity for OCI registries is not implemented)';

/** HelmRepository (source.toolkit.fluxcd.io/v1). */
export const HelmRepositoryFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, ['spec.url', 'spec.secretRef', 'spec.secretRef.name', 'spec.passCredentials']),
    ...implementedBy(repoApi, ['spec.interval', 'spec.timeout', 'spec.suspend']),
    ...implementedBy('src/sources/helm-repository/http-get.int.test.ts', [
      'spec.certSecretRef',
      'spec.certSecretRef.name',
    ]),
    'spec.type': { implemented: e2e },
    'spec.provider': {
      implemented: repoApi,
      refusedValues: { aws: cloudProviders, azure: cloudProviders, gcp: cloudProviders },
    },
    // Read for type oci only, by the HelmChart reconciler that pulls from the registry (as source-controller's):
    // plain HTTP after HTTPS fails, as the OCIRepository's insecure.
    'spec.insecure': { implemented: 'src/sources/oci/reference.test.ts' },
    // acl.AccessFrom is "Not implemented, provisional as of fluxcd/flux2#2092" in Flux's own API.
    'spec.accessFrom': { fluxIgnores: 'Flux documents it as "Not implemented, provisional"' },
    'spec.accessFrom.namespaceSelectors': { fluxIgnores: 'Flux documents accessFrom as "Not implemented"' },
    'spec.accessFrom.namespaceSelectors[].matchLabels': {
      fluxIgnores: 'Flux documents accessFrom as "Not implemented"',
    },
  },
};

/** HelmChart (source.toolkit.fluxcd.io/v1). */
export const HelmChartFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, [
      'spec.chart',
      'spec.version',
      'spec.sourceRef',
      'spec.sourceRef.name',
      'spec.reconcileStrategy',
      'spec.valuesFiles',
      'spec.ignoreMissingValuesFiles',
    ]),
    'spec.sourceRef.kind': { implemented: e2e },
    'spec.sourceRef.apiVersion': { fluxIgnores: 'source-controller looks the source up by kind and name only' },
    ...implementedBy(chartApi, ['spec.interval', 'spec.suspend']),
    // Charts of an OCI HelmRepository only; the CRD refuses other source kinds, an HTTP repository fails as Flux.
    ...implementedBy(verifyE2e, ['spec.verify', 'spec.verify.secretRef', 'spec.verify.secretRef.name']),
    'spec.verify.provider': {
      implemented: verifyE2e,
      refusedValues: {
        notation: 'sign the chart with cosign and a key pair, and name the public key Secret in spec.verify.secretRef',
      },
    },
    'spec.verify.matchOIDCIdentity': {
      refused:
        'remove it and verify with a public key in spec.verify.secretRef (keyless cosign verification needs Fulcio and Rekor)',
    },
  },
};
