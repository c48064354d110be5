// Field support of OCIRepository: what the reconciler honours, what it refuses.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/oci-source.test.ts';
const verifyE2e = 'test/e2e/oci-verify.test.ts';

/** OCIRepository (source.toolkit.fluxcd.io/v1). */
export const OCIRepositoryFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy('src/sources/oci/reference.test.ts', [
      'spec.url',
      'spec.ref',
      'spec.ref.digest',
      'spec.ref.semver',
      'spec.ref.semverFilter',
      'spec.ref.tag',
    ]),
    ...implementedBy('src/sources/oci/manifest.test.ts', ['spec.layerSelector', 'spec.layerSelector.mediaType']),
    'spec.layerSelector.operation': { implemented: e2e },
    'spec.provider': {
      implemented: e2e,
      refusedValues: {
        aws: 'use provider generic with a kubernetes.io/dockerconfigjson Secret in spec.secretRef (no cloud workload identity)',
        azure:
          'use provider generic with a kubernetes.io/dockerconfigjson Secret in spec.secretRef (no cloud workload identity)',
        gcp: 'use provider generic with a kubernetes.io/dockerconfigjson Secret in spec.secretRef (no cloud workload identity)',
      },
    },
    ...implementedBy(e2e, ['spec.secretRef', 'spec.secretRef.name', 'spec.insecure', 'spec.suspend']),
    ...implementedBy('src/api/oci-repository.test.ts', ['spec.interval', 'spec.timeout']),
    'spec.ignore': { implemented: 'src/artifacts/ignore.test.ts' },
    ...implementedBy(verifyE2e, ['spec.verify', 'spec.verify.secretRef', 'spec.verify.secretRef.name']),
    'spec.verify.provider': {
      implemented: verifyE2e,
      refusedValues: {
        notation: 'sign with cosign and a key pair, and name the public key Secret in spec.verify.secretRef',
      },
    },
    'spec.verify.matchOIDCIdentity': {
      refused:
        'remove it and verify with a public key in spec.verify.secretRef (keyless cosign verification needs Fulcio and Rekor)',
    },
    'spec.verify.trustedRootSecretRef': {
      refused:
        'remove it and verify with a public key in spec.verify.secretRef (keyless cosign verification needs Fulcio and Rekor)',
    },
    'spec.serviceAccountName': { implemented: e2e },
    ...implementedBy('test/e2e/oci-transport.test.ts', [
      'spec.certSecretRef',
      'spec.certSecretRef.name',
      'spec.proxySecretRef',
      'spec.proxySecretRef.name',
    ]),
  },
};
