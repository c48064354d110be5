// Pushes the OCI image layout to a registry with Driftless's own OCI client (src/sources/oci/): every blob,
// then the manifest under the tag. `<host>/<repository>`; plain HTTP for loopback, or with `insecure`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RegistryClient } from '../../src/sources/oci/client.ts';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Pushes the layout's one manifest as `<target>:<tag>`; returns the manifest digest. */
export async function pushLayout(layout: string, target: string, tag: string, insecure = false): Promise<string> {
  const slash = target.indexOf('/');
  if (slash < 0) throw new Error(`push target ${target}: expected <host>/<repository>`);
  const client = new RegistryClient({
    registry: target.slice(0, slash),
    repository: target.slice(slash + 1),
    insecure,
  });
  const blob = (d: { digest: string }) =>
    readFile(path.join(layout, 'blobs', 'sha256', d.digest.replace(/^sha256:/, '')));
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const top = index.manifests[0];
  if (!top) throw new Error(`${layout}/index.json lists no manifest`);
  const body = await blob(top);
  const manifest = JSON.parse(body.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  for (const d of [manifest.config, ...manifest.layers]) await client.pushBlob(await blob(d), d.mediaType);
  return client.pushManifest(tag, body, top.mediaType);
}
