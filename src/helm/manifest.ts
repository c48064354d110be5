// The objects of a Helm release manifest as helm applies them: namespaced objects without a namespace put in
// the release's, and Helm's ownership label and annotations set (helm adds them when it creates objects;
// the stored manifest lacks them). Used by drift detection and `driftless diff helmrelease`.
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { isRecord } from '../util/is-record.ts';

/** Helm's ownership marks, which helm sets on every object it applies (not in the rendered manifest). */
export const helmMetadata = (release: string, namespace: string) => ({
  labels: { 'app.kubernetes.io/managed-by': 'Helm' },
  annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace },
});

/** The objects of a manifest (YAML documents), namespaced ones defaulted to `namespace` as helm does. */
export async function manifestObjects(client: KubeClient, manifest: string, namespace: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj: unknown = doc.toJS();
    if (!isRecord(obj) || typeof obj['kind'] !== 'string' || !isRecord(obj['metadata'])) continue;
    const o = obj as unknown as KubeObject;
    const info = await client.resource(o.apiVersion, o.kind);
    if (info.namespaced && !o.metadata.namespace) o.metadata.namespace = namespace;
    out.push(o);
  }
  return out;
}

/** `objects` with Helm's ownership label and annotations of `release` in `namespace` set (copies). */
export function withHelmMetadata(objects: readonly KubeObject[], release: string, namespace: string): KubeObject[] {
  const meta = helmMetadata(release, namespace);
  return objects.map((obj) => ({
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, ...meta.labels },
      annotations: { ...obj.metadata.annotations, ...meta.annotations },
    },
  }));
}
