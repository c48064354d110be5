import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { Pki } from './pki.ts';

/** Renders an admin kubeconfig for `server` with the certificates inlined, so the file can be copied anywhere (pure). */
export function renderKubeconfig(opts: { server: string; ca: Buffer; cert: Buffer; key: Buffer }): string {
  const b64 = (b: Buffer) => b.toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'driftless', cluster: { server: opts.server, 'certificate-authority-data': b64(opts.ca) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(opts.cert), 'client-key-data': b64(opts.key) } }],
    contexts: [{ name: 'driftless', context: { cluster: 'driftless', user: 'admin', namespace: 'default' } }],
    'current-context': 'driftless',
    preferences: {},
  });
}

/** Writes the admin kubeconfig for `server` to `path` (mode 0600: it holds a cluster-admin key). */
export async function writeKubeconfig(path: string, server: string, pki: Pki): Promise<void> {
  const [ca, cert, key] = await Promise.all([readFile(pki.caCert), readFile(pki.adminCert), readFile(pki.adminKey)]);
  await writeFile(path, renderKubeconfig({ server, ca, cert, key }), { mode: 0o600 });
}
