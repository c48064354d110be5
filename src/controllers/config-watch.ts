// Flux's watch of referenced ConfigMaps and Secrets (`--watch-configs-label-selector`, default
// `reconcile.fluxcd.io/watch=Enabled`): a change to one that matches the selector reconciles every object
// that references it at once, instead of on its next interval.
import type { KubeConfigReference } from '../api/meta.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Controller } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Manager } from '../runtime/manager.ts';

/** Which ConfigMaps and Secrets are watched: a label selector (empty: all), in one namespace or all. */
export interface ConfigWatchScope {
  labelSelector: string;
  namespace?: string;
}

/** A ConfigMap or Secret an object names, in the object's own namespace. */
export interface ConfigRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
}

const BY_CONFIG = 'referencedConfigs';

const configKey = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}/${namespace ?? ''}/${name}`;

/**
 * Reconciles the objects of `informer` whose `refsOf` name a ConfigMap or Secret in `scope` when it is
 * created, changed (any new resourceVersion, as Flux) or deleted; also when a label makes it match. The
 * watch is metadata-only: the engine never holds Secret data for it. Without a scope nothing is watched.
 */
export function watchReferencedConfigs(
  mgr: Manager,
  controller: Controller,
  informer: Informer,
  refsOf: (obj: KubeObject) => ConfigRef[],
  scope: ConfigWatchScope | undefined,
): void {
  if (!scope) return;
  informer.addIndex(BY_CONFIG, (o) => refsOf(o).map((r) => configKey(r.kind, o.metadata.namespace, r.name)));
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const configs = mgr.informer('v1', kind, {
      labelSelector: scope.labelSelector,
      metadataOnly: true,
      ...(scope.namespace ? { namespace: scope.namespace } : {}),
    });
    controller.watchMapped(
      configs,
      (c) => informer.keysByIndex(BY_CONFIG, configKey(kind, c.metadata.namespace, c.metadata.name)),
      (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion,
    );
  }
}

/** The ConfigMap or Secret of a `spec.kubeConfig`. */
export function kubeConfigRefs(ref: KubeConfigReference | undefined): ConfigRef[] {
  const refs: ConfigRef[] = [];
  if (ref?.secretRef?.name) refs.push({ kind: 'Secret', name: ref.secretRef.name });
  if (ref?.configMapRef?.name) refs.push({ kind: 'ConfigMap', name: ref.configMapRef.name });
  return refs;
}
