// Builders of Flux objects for the pure computations' tests.
import type { KubeObject } from '../../../kube/types.ts';

type Ready = { status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string };

/** A Flux object of `kind` with the given spec/status and an optional Ready condition. */
export function fluxObject(
  kind: string,
  name: string,
  opts: {
    apiVersion?: string;
    namespace?: string;
    uid?: string;
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
    ready?: Ready;
    annotations?: Record<string, string>;
  } = {},
): KubeObject {
  const status: Record<string, unknown> = { ...opts.status };
  if (opts.ready)
    status['conditions'] = [
      { type: 'Ready', lastTransitionTime: '2026-01-01T00:00:00Z', reason: '', message: '', ...opts.ready },
    ];
  return {
    apiVersion: opts.apiVersion ?? 'source.toolkit.fluxcd.io/v1',
    kind,
    metadata: {
      name,
      namespace: opts.namespace ?? 'flux-system',
      uid: opts.uid ?? `uid-${kind}-${name}`,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: opts.spec ?? {},
    status,
  };
}
