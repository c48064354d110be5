import { Reasons } from '../../../api/constants.ts';
import { formatDuration } from '../../../api/duration.ts';
import type { Kustomization } from '../../../api/kustomization.ts';
import { getCondition } from '../../../runtime/conditions.ts';
import type { Informer } from '../../../runtime/informer.ts';
import { ReconcileFailure } from '../../../runtime/reconcile/failure.ts';
import { sourceKey } from './source.ts';

/**
 * Flux's built-in dependency check: each `dependsOn` Kustomization exists, has caught up with its
 * generation, is Ready, and, when it uses the same source, has applied the same revision.
 */
export function checkDependencies(opts: {
  ks: Kustomization;
  informer: Informer;
  revision: string;
  requeueDependencyMs: number;
}): void {
  const { ks } = opts;
  const mySource = sourceKey(ks);
  for (const dep of ks.spec.dependsOn ?? []) {
    const ns = dep.namespace ?? ks.metadata.namespace ?? '';
    const name = `${ns}/${dep.name}`;
    const fail = (why: string): never => {
      throw new ReconcileFailure(Reasons.DependencyNotReady, `dependency '${name}' ${why}`, {
        requeueAfterMs: opts.requeueDependencyMs,
        event: 'info',
        eventMessage: `Dependencies do not meet ready condition, retrying in ${formatDuration(opts.requeueDependencyMs)}`,
        waiting: true,
      });
    };
    const other = opts.informer.get(name) as Kustomization | undefined;
    if (!other) fail('not found');
    const d = other!;
    const ready = getCondition(d as never, 'Ready');
    if (!ready || d.metadata.generation !== d.status?.observedGeneration) fail('is not ready');
    if (ready?.status !== 'True') fail('is not ready');
    const depSource = sourceKey(d);
    const sameSource =
      depSource.kind === mySource.kind &&
      depSource.namespace === mySource.namespace &&
      depSource.name === mySource.name;
    if (sameSource && d.status?.lastAppliedRevision !== opts.revision) {
      fail(`is not ready: it has not applied revision '${opts.revision}' yet`);
    }
  }
}
