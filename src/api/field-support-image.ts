// Field support of ImageRepository and ImagePolicy: what the reconcilers honour, what they refuse.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/image-policy.test.ts';
const policyUnit = 'src/sources/image/policy.test.ts';
const noCloud =
  'use provider generic with a kubernetes.io/dockerconfigjson Secret in spec.secretRef (no cloud workload identity)';

/** ImageRepository (image.toolkit.fluxcd.io/v1). */
export const ImageRepositoryFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, [
      'spec.image',
      'spec.interval',
      'spec.secretRef',
      'spec.secretRef.name',
      'spec.insecure',
      'spec.suspend',
    ]),
    ...implementedBy('src/controllers/image-repository/reconciler.test.ts', ['spec.timeout']),
    'spec.exclusionList': { implemented: policyUnit },
    'spec.provider': { implemented: e2e, refusedValues: { aws: noCloud, azure: noCloud, gcp: noCloud } },
    'spec.serviceAccountName': {
      refused: "remove it and reference the service account's pull Secret in spec.secretRef",
    },
    'spec.certSecretRef': {
      refused:
        'remove it and serve the registry with a certificate the system trusts (custom CAs and client certificates are not supported)',
    },
    'spec.proxySecretRef': { refused: 'remove it and make the registry reachable without a proxy' },
    'spec.accessFrom': {
      refused:
        'remove it and put the ImagePolicies in the namespace of their ImageRepository (cross-namespace access is not supported)',
    },
  },
};

/** ImagePolicy (image.toolkit.fluxcd.io/v1). */
export const ImagePolicyFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(e2e, [
      'spec.imageRepositoryRef',
      'spec.imageRepositoryRef.name',
      'spec.imageRepositoryRef.namespace',
      'spec.policy',
      'spec.suspend',
    ]),
    ...implementedBy(policyUnit, [
      'spec.policy.semver',
      'spec.policy.semver.range',
      'spec.policy.alphabetical',
      'spec.policy.alphabetical.order',
      'spec.policy.numerical',
      'spec.policy.numerical.order',
      'spec.filterTags',
      'spec.filterTags.pattern',
      'spec.filterTags.extract',
    ]),
    'spec.digestReflectionPolicy': {
      implemented: e2e,
      refusedValues: {
        Always: 'use Never (the default): status.latestRef.digest is not reflected yet; pin digests in CI',
        IfNotPresent: 'use Never (the default): status.latestRef.digest is not reflected yet; pin digests in CI',
      },
    },
    'spec.interval': {
      refused: "remove it with digestReflectionPolicy: the digest refresh of policy 'Always' is not supported",
    },
  },
};
