// Field support of Bucket: what the reconciler honours, what it refuses.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/bucket-source.test.ts';
const cloudProviders =
  'use generic with spec.secretRef holding accesskey/secretkey (cloud workload identity and the gcp/azure APIs are not implemented)';

/** Bucket (source.toolkit.fluxcd.io/v1). */
export const BucketFieldSupport: KindFieldSupport = {
  fields: {
    'spec.provider': {
      implemented: e2e,
      refusedValues: { aws: cloudProviders, gcp: cloudProviders, azure: cloudProviders },
    },
    ...implementedBy(e2e, ['spec.bucketName', 'spec.endpoint', 'spec.insecure', 'spec.region', 'spec.prefix']),
    ...implementedBy(e2e, ['spec.secretRef', 'spec.secretRef.name', 'spec.certSecretRef', 'spec.certSecretRef.name']),
    ...implementedBy(e2e, ['spec.proxySecretRef', 'spec.proxySecretRef.name']),
    ...implementedBy(e2e, ['spec.interval', 'spec.timeout', 'spec.ignore', 'spec.suspend']),
    'spec.sts': {
      refused: 'remove it and put static accesskey/secretkey credentials in the Secret named by spec.secretRef',
    },
    'spec.serviceAccountName': {
      refused: 'remove it and put accesskey/secretkey in a Secret referenced by spec.secretRef (no workload identity)',
    },
  },
};
