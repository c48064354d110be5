// Events as Flux controllers send them, for the intake tests.

/** An event as kustomize-controller sends it. */
export function sampleEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    involvedObject: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'webapp',
      namespace: 'apps',
      uid: 'u-1',
    },
    severity: 'info',
    timestamp: '2026-03-01T12:00:00Z',
    message: 'Reconciliation finished in 2s, next run in 10m',
    reason: 'ReconciliationSucceeded',
    metadata: { 'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:0123456789abcdef0123456789abcdef01234567' },
    reportingController: 'kustomize-controller',
    reportingInstance: 'kustomize-controller-7d9f-abc',
    ...overrides,
  };
}
