// Field support of Provider, Alert (v1beta3, no status: refusals are CEL rules at admission) and Receiver.
import { implementedBy, type KindFieldSupport } from './field-support-types.ts';

const relay = (service: string): string =>
  `use the generic or generic-hmac provider with a webhook relay to ${service}`;

/** Provider (notification.toolkit.fluxcd.io/v1beta3): the types src/notify/providers/registry.ts lacks are refused. */
export const ProviderFieldSupport: KindFieldSupport = {
  admission: ['spec.type', 'spec.serviceAccountName'],
  fields: {
    'spec.type': {
      implemented: 'src/notify/providers/contract.test.ts',
      refusedValues: {
        googlepubsub: relay('Google Pub/Sub'),
        azureeventhub: relay('Azure Event Hubs'),
        otel: relay('an OpenTelemetry collector'),
      },
    },
    'spec.interval': { fluxIgnores: 'Flux documents it as "Deprecated and not used in v1beta3"' },
    ...implementedBy('src/controllers/provider-config.test.ts', [
      'spec.channel',
      'spec.username',
      'spec.address',
      'spec.timeout',
      'spec.proxy',
      'spec.proxySecretRef',
      'spec.proxySecretRef.name',
      'spec.secretRef',
      'spec.secretRef.name',
      'spec.certSecretRef',
      'spec.certSecretRef.name',
      'spec.commitStatusExpr',
    ]),
    'spec.serviceAccountName': {
      refused: 'remove it and put the credentials in the Secret referenced by spec.secretRef (no workload identity)',
    },
    'spec.suspend': { implemented: 'src/controllers/notification/dispatcher.test.ts' },
  },
};

/** Alert (notification.toolkit.fluxcd.io/v1beta3): every field is honoured by src/notify/alerts. */
export const AlertFieldSupport: KindFieldSupport = {
  fields: {
    ...implementedBy('src/controllers/notification/dispatcher.test.ts', ['spec.providerRef', 'spec.providerRef.name']),
    ...implementedBy('src/notify/alerts/match.test.ts', [
      'spec.eventSeverity',
      'spec.eventSources',
      'spec.eventSources[].kind',
      'spec.eventSources[].name',
      'spec.eventSources[].namespace',
      'spec.eventSources[].matchLabels',
      'spec.inclusionList',
      'spec.exclusionList',
      'spec.suspend',
    ]),
    // notification-controller matches events by kind, namespace, name and labels only.
    'spec.eventSources[].apiVersion': { fluxIgnores: 'notification-controller matches events without it' },
    ...implementedBy('src/notify/alerts/metadata.test.ts', ['spec.eventMetadata', 'spec.summary']),
  },
};

const tokenInPath = 'use generic (the webhook path carries the secret) or generic-hmac';

/** Receiver (notification.toolkit.fluxcd.io/v1): refused types are refused at admission too, as the issue asks. */
export const ReceiverFieldSupport: KindFieldSupport = {
  admission: ['spec.type', 'spec.oidcProviders'],
  fields: {
    'spec.oidcProviders': {
      refused: 'remove it (it belongs to type generic-oidc, which is not implemented yet)',
    },
    'spec.type': {
      implemented: 'src/notify/receivers/validators/validators.test.ts',
      refusedValues: {
        'generic-oidc': `${tokenInPath} (spec.oidcProviders and claim rules are not implemented yet)`,
        cdevents: `${tokenInPath} (validating CDEvents against their JSON schemas, as Flux does, is not implemented yet)`,
      },
    },
    'spec.interval': { implemented: 'src/controllers/receiver/reconciler.test.ts' },
    'spec.events': { implemented: 'src/notify/receivers/validators/validators.test.ts' },
    ...implementedBy('src/notify/receivers/resolve-resources.test.ts', [
      'spec.resources',
      'spec.resources[].apiVersion',
      'spec.resources[].kind',
      'spec.resources[].name',
      'spec.resources[].namespace',
      'spec.resources[].matchLabels',
    ]),
    'spec.resources[].filter': { implemented: 'src/notify/receivers/resource-filter.test.ts' },
    'spec.resourceFilter': { implemented: 'src/notify/receivers/resource-filter.test.ts' },
    ...implementedBy('src/controllers/receiver/reconciler.test.ts', ['spec.secretRef', 'spec.secretRef.name']),
    'spec.suspend': { implemented: 'src/notify/receivers/server.test.ts' },
  },
};
