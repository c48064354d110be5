// A HelmRelease's values as helm-controller composes them: each valuesFrom reference read (with the
// caller's client) in order, then spec.values on top. Shared by the reconciler and `driftless diff`.
import type { HelmRelease } from '../api/helm-release.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { composeValues, type ResolvedReference, type Values } from './values.ts';

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
      ...(ref.literal ? { literal: true } : {}),
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
