// The one reader of a `proxySecretRef` Secret for the HTTP clients of nodeFetch and TunnelAgent (OCI and
// image registries, S3 buckets, notification providers): keys `address`, `username`, `password`, as Flux,
// turned into one `http://user:pass@host:port` URL. Git passes the parts to git itself (gitProxyFromSecret).
import type { KubeClient } from '../kube/client.ts';
import { gitProxyFromSecret, type GitProxy } from '../sources/git/git-auth.ts';
import { readSecretData } from './shared.ts';

/** The proxy URL with the credentials percent-encoded into it; throws when the address is not an http:// URL. */
export function proxyUrl(proxy: GitProxy, secret: string): string {
  const url = new URL(proxy.address);
  if (url.protocol !== 'http:') {
    throw new Error(`secret '${secret}': only http:// proxy addresses are supported, not ${url.protocol}//`);
  }
  if (proxy.username !== undefined) url.username = encodeURIComponent(proxy.username);
  if (proxy.password !== undefined) url.password = encodeURIComponent(proxy.password);
  return url.toString();
}

/**
 * The proxy URL of the `proxySecretRef` Secret `namespace/name`. Throws an Error whose message names the
 * Secret and what is wrong (never the password): missing Secret, no `address`, not an http:// URL.
 */
export async function readProxyUrl(client: KubeClient, namespace: string, name: string): Promise<string> {
  const data = await readSecretData(client, namespace, name);
  if (!data) throw new Error(`failed to get secret '${namespace}/${name}': secrets "${name}" not found`);
  const secret = `${namespace}/${name}`;
  return proxyUrl(gitProxyFromSecret(data, secret), secret);
}
