// Event and Alert builders shared by the notify tests.
import type { FluxEvent } from '../event.ts';
import type { Alert, AlertSpec } from './types.ts';

/** A 40-hex commit used by the tests. */
export const testSha = '0123456789abcdef0123456789abcdef01234567';

/** A Kustomization event as kustomize-controller sends it; fields in `overrides` replace the defaults. */
export function makeEvent(overrides: Partial<FluxEvent> = {}): FluxEvent {
  return {
    involvedObject: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'webapp',
      namespace: 'apps',
      uid: '9f1c2a3b-0000-4000-8000-000000000001',
    },
    severity: 'info',
    timestamp: '2025-01-02T03:04:05Z',
    message: 'Reconciliation finished in 1.2s, next run in 5m0s',
    reason: 'ReconciliationSucceeded',
    metadata: { 'kustomize.toolkit.fluxcd.io/revision': `main@sha1:${testSha}` },
    reportingController: 'kustomize-controller',
    reportingInstance: 'driftless-0',
    ...overrides,
  };
}

/** An Alert named `alert` in namespace `apps` forwarding Kustomization events to Provider `slack`. */
export function makeAlert(spec: Partial<AlertSpec> = {}, meta: Partial<Alert['metadata']> = {}): Alert {
  return {
    metadata: { name: 'alert', namespace: 'apps', ...meta },
    spec: { providerRef: { name: 'slack' }, eventSources: [{ kind: 'Kustomization', name: '*' }], ...spec },
  };
}
