import type { KubeClient } from './client.ts';
import type { KubeObject } from './types.ts';

/**
 * Reads a ConfigMap's `data` or a Secret's `data` (base64-decoded to UTF-8); `undefined` when the
 * object does not exist. Other errors (Forbidden, …) propagate.
 */
export async function readConfigData(
  client: KubeClient,
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const obj = await client.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind,
    namespace,
    name,
  });
  if (!obj) return undefined;
  const data = obj.data ?? {};
  if (kind === 'ConfigMap') return { ...data };
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
