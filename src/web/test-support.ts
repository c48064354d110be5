// Shared by the dashboard's unit tests: an in-memory informer and a Kustomization maker.
import type { KubeObject } from '../kube/types.ts';
import type { InformerHandlers } from '../runtime/informer.ts';
import type { KindCache } from './sources.ts';

/** An in-memory stand-in for an informer (pure unit test). */
export class FakeCache implements KindCache {
  private readonly store = new Map<string, KubeObject>();
  private readonly handlers: InformerHandlers<KubeObject>[] = [];
  hasSynced = true;
  list(): KubeObject[] {
    return [...this.store.values()];
  }
  get(key: string): KubeObject | undefined {
    return this.store.get(key);
  }
  addHandlers(h: InformerHandlers<KubeObject>): void {
    this.handlers.push(h);
  }
  put(obj: KubeObject): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const old = this.store.get(key);
    this.store.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj);
      else h.onAdd?.(obj);
    }
  }
}

export const ks = (
  name: string,
  ready: string | undefined,
  extra: { suspend?: boolean; message?: string; reconciling?: boolean; ns?: string; status?: object } = {},
): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: extra.ns ?? 'apps', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { suspend: extra.suspend ?? false, sourceRef: { kind: 'GitRepository', name: 'repo' } },
  status: {
    observedGeneration: 1,
    lastAppliedRevision: 'main@sha1:abc',
    conditions: [
      ...(ready
        ? [
            {
              type: 'Ready',
              status: ready,
              reason: ready === 'True' ? 'ReconciliationSucceeded' : 'BuildFailed',
              message: extra.message ?? 'ok',
              lastTransitionTime: '2026-01-01T00:01:00Z',
            },
          ]
        : []),
      ...(extra.reconciling
        ? [{ type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'working' }]
        : []),
    ],
    ...extra.status,
  },
});
