// Field support of ImageRepository and ImagePolicy: what the reconcilers honour, what they refuse.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const e2e = 'test/e2e/image-policy.test.ts';
const accessE2e = 'test/e2e/image-registry-access.test.ts';
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
    ...implementedBy(accessE2e, [
      'spec.serviceAccountName',
      'spec.certSecretRef',
      'spec.certSecretRef.name',
      'spec.proxySecretRef',
      'spec.proxySecretRef.name',
      'spec.accessFrom',
      'spec.accessFrom.namespaceSelectors',
      'spec.accessFrom.namespaceSelectors[].matchLabels',
    ]),
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
    'spec.digestReflectionPolicy': { implemented: e2e },
    'spec.interval': { implemented: e2e },
  },
};

const automationE2e = 'test/e2e/image-automation.test.ts';
const templates = 'src/sources/image/commit-template.test.ts';

/** ImageUpdateAutomation (image.toolkit.fluxcd.io/v1). */
export const ImageUpdateAutomationFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy(automationE2e, [
      'spec.sourceRef',
      'spec.sourceRef.apiVersion',
      'spec.sourceRef.kind',
      'spec.sourceRef.name',
      'spec.sourceRef.namespace',
      'spec.git',
      'spec.git.checkout',
      'spec.git.checkout.ref',
      'spec.git.checkout.ref.branch',
      'spec.git.checkout.ref.tag',
      'spec.git.checkout.ref.semver',
      'spec.git.checkout.ref.name',
      'spec.git.checkout.ref.commit',
      'spec.git.commit',
      'spec.git.commit.author',
      'spec.git.commit.author.name',
      'spec.git.commit.author.email',
      'spec.git.push',
      'spec.git.push.branch',
      'spec.git.push.refspec',
      'spec.git.push.options',
      'spec.interval',
      'spec.policySelector',
      'spec.policySelector.matchLabels',
      'spec.policySelector.matchExpressions',
      'spec.policySelector.matchExpressions[].key',
      'spec.policySelector.matchExpressions[].operator',
      'spec.policySelector.matchExpressions[].values',
      'spec.update',
      'spec.update.path',
      'spec.suspend',
    ]),
    'spec.update.strategy': { implemented: automationE2e },
    'spec.git.commit.messageTemplate': { implemented: templates },
    'spec.git.commit.messageTemplateValues': { implemented: automationE2e },
    ...implementedBy('test/e2e/image-automation-ssh.test.ts', [
      'spec.git.commit.signingKey',
      'spec.git.commit.signingKey.secretRef',
      'spec.git.commit.signingKey.secretRef.name',
      'spec.git.commit.signingKey.type',
    ]),
  },
};
