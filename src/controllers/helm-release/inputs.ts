// A HelmRelease's inputs besides the chart: its dependencies (dependsOn) and its values (valuesFrom and
// values, composed in Flux's order).
import { Reasons } from '../../api/constants.ts';
import { HelmReasons, type HelmRelease } from '../../api/helm-release.ts';
import { composeValues, type ResolvedReference, type Values } from '../../helm/values.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/types.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { CelCompileError, compileCel } from '../../util/cel.ts';

/** Reads each valuesFrom reference (with the controller's own client, as Flux) and composes the values. */
export async function resolveValues(client: KubeClient, hr: HelmRelease): Promise<Values> {
  const ns = hr.metadata.namespace ?? '';
  const cache = new Map<string, (KubeObject & { data?: Record<string, string> }) | undefined>();
  const refs: ResolvedReference[] = [];
  for (const ref of hr.spec.valuesFrom ?? []) {
    const key = `${ref.kind}/${ref.name}`;
    if (!cache.has(key)) {
      cache.set(key, await client.get({ apiVersion: 'v1', kind: ref.kind, namespace: ns, name: ref.name }));
    }
    const obj = cache.get(key);
    const raw = obj?.data?.[ref.valuesKey || 'values.yaml'];
    const data =
      raw === undefined ? undefined : ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    refs.push({
      kind: ref.kind,
      name: ref.name,
      namespace: ns,
      ...(ref.valuesKey ? { valuesKey: ref.valuesKey } : {}),
      ...(ref.targetPath ? { targetPath: ref.targetPath } : {}),
      ...(ref.optional ? { optional: true } : {}),
      data,
      objectMissing: obj === undefined,
    });
  }
  const inline =
    hr.spec.values && typeof hr.spec.values === 'object' && !Array.isArray(hr.spec.values)
      ? (hr.spec.values as Values)
      : undefined;
  return composeValues(refs, inline);
}

/** Flux's HelmRelease dependency check: each dependency exists, has caught up with its generation and is Ready (or its readyExpr holds). */
export function checkDependencies(hr: HelmRelease, o: { informer: Informer; requeueDependencyMs: number }): void {
  for (const dep of hr.spec.dependsOn ?? []) {
    const name = `${dep.namespace ?? hr.metadata.namespace ?? ''}/${dep.name}`;
    let expr;
    if (dep.readyExpr) {
      try {
        expr = compileCel(dep.readyExpr, { variables: ['self', 'dep'] });
      } catch (err) {
        if (!(err instanceof CelCompileError)) throw err;
        throw new ReconcileFailure(
          Reasons.InvalidCELExpression,
          `failed to evaluate dependency ${dep.name}: ${err.message}`,
          { stalled: true },
        );
      }
    }
    const fail = (why: string): never => {
      throw new ReconcileFailure(HelmReasons.DependencyNotReady, why, {
        requeueAfterMs: o.requeueDependencyMs,
        event: 'info',
        waiting: true,
      });
    };
    const other = o.informer.get(name) as HelmRelease | undefined;
    if (!other)
      return fail(`unable to get '${name}' dependency: HelmRelease.helm.toolkit.fluxcd.io "${dep.name}" not found`);
    if (expr) {
      let ok = false;
      try {
        ok = expr.evaluateBool({ self: hr, dep: other });
      } catch {
        ok = false;
      }
      if (!ok) fail(`dependency '${name}' is not ready according to readyExpr eval`);
      continue;
    }
    if (!other.status?.conditions?.length || other.metadata.generation !== other.status.observedGeneration) {
      fail(`dependency '${name}' is not ready`);
    }
    if (getCondition(other as never, 'Ready')?.status !== 'True') fail(`dependency '${name}' is not ready`);
  }
}
