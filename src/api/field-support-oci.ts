// Field support of OCIRepository: what the reconciler honours, what it refuses.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/oci-source.test.ts';

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
    'spec.verify': {
      refused:
        'remove it (signature verification of OCI artifacts is not implemented yet); verify in CI before pushing',
    },
    'spec.serviceAccountName': { implemented: e2e },
    'spec.certSecretRef': {
      refused:
        'remove it and serve the registry with a certificate the system trusts (custom CAs and client certificates are not supported)',
    },
    'spec.proxySecretRef': { refused: 'remove it and make the registry reachable without a proxy' },
  },
};
