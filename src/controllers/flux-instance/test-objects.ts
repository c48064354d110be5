// Builders of FluxInstance objects for this folder's unit tests.
import type { FluxInstance, FluxInstanceSpec } from '../../api/flux-instance.ts';

/** A FluxInstance `flux-system/flux` with a GitRepository sync, with `spec` fields overridden. */
export function testInstance(
  spec: Partial<FluxInstanceSpec> = {},
  metadata: Partial<FluxInstance['metadata']> = {},
): FluxInstance {
  return {
    apiVersion: 'fluxcd.controlplane.io/v1',
    kind: 'FluxInstance',
    metadata: { name: 'flux', namespace: 'flux-system', uid: 'uid-1', generation: 1, ...metadata },
    spec: {
      distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' },
      sync: {
        kind: 'GitRepository',
        url: 'https://git.example.com/fleet.git',
        ref: 'refs/heads/main',
        path: 'clusters/dev',
        pullSecret: 'git-auth',
      },
      ...spec,
    },
  };
}
