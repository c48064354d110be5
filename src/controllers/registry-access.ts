// How a registry is reached, as Flux builds it for OCIRepository and ImageRepository: pull secrets
// (`spec.secretRef`, then the `imagePullSecrets` of `spec.serviceAccountName`; the first
// kubernetes.io/dockerconfigjson entry for the registry wins), a CA and client certificate
// (`certSecretRef`: `ca.crt`, `tls.crt`/`tls.key`) and an HTTP proxy (`proxySecretRef`: `address`,
// `username`, `password`). Errors go through the caller's `fail`, in its kind's wording.
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { nodeFetch, type NodeFetch } from '../util/http-transport.ts';
import { gitProxyFromSecret } from '../sources/git/git-auth.ts';
import { credentialsFromDockerConfig, type RegistryCredentials } from '../sources/oci/auth.ts';
import { messageOf, readSecretData } from './shared.ts';

/** Turns a detail into the kind's failure (reason and message prefix). */
export type AccessFailure = (detail: string) => Error;

/** The pull-secret references of an object. */
export interface PullSecretRefs {
  secretRef?: { name: string } | undefined;
  serviceAccountName?: string | undefined;
}

/** Credentials for `registry` from the object's pull secrets; undefined when none has an entry for it. */
export async function pullSecretCredentials(
  client: KubeClient,
  ns: string,
  refs: PullSecretRefs,
  registry: string,
  fail: AccessFailure,
): Promise<RegistryCredentials | undefined> {
  const names: { name: string; via: string }[] = [];
  if (refs.secretRef) names.push({ name: refs.secretRef.name, via: 'spec.secretRef' });
  const saName = refs.serviceAccountName;
  if (saName) {
    const sa = await client.get<KubeObject & { imagePullSecrets?: { name?: string }[] }>({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: ns,
      name: saName,
    });
    if (!sa) throw fail(`service account '${ns}/${saName}' referenced by spec.serviceAccountName not found`);
    for (const ref of sa.imagePullSecrets ?? [])
      if (ref.name) names.push({ name: ref.name, via: `the imagePullSecrets of service account '${saName}'` });
  }
  for (const { name, via } of names) {
    const data = await readSecretData(client, ns, name);
    if (!data)
      throw fail(
        `failed to get secret '${ns}/${name}' referenced by ${via}: secret not found; create it with \`kubectl create secret docker-registry\``,
      );
    const json = data['.dockerconfigjson'];
    if (json === undefined)
      throw fail(
        `secret '${ns}/${name}' has no '.dockerconfigjson' key; it must be of type kubernetes.io/dockerconfigjson`,
      );
    let found: RegistryCredentials | undefined;
    try {
      found = credentialsFromDockerConfig(json, registry);
    } catch (err) {
      throw fail(`secret '${ns}/${name}': ${messageOf(err)}`);
    }
    if (found) return found;
  }
  return undefined;
}

/** The TLS and proxy references of an object. */
export interface TransportRefs {
  certSecretRef?: { name: string } | undefined;
  proxySecretRef?: { name: string } | undefined;
}

/** Largest response kept by the custom transport: above the client's 4 MiB document cap, so that cap still speaks. */
const MaxResponseBytes = 4 * 1024 * 1024 + 1;

/**
 * An HTTP client trusting the `certSecretRef` CA (besides the system roots), presenting its client
 * certificate, and going through the `proxySecretRef` proxy; undefined when neither is set (the global
 * fetch). Reads only: it carries no request bodies.
 */
export async function registryTransport(
  client: KubeClient,
  ns: string,
  refs: TransportRefs,
  fail: AccessFailure,
): Promise<NodeFetch | undefined> {
  if (!refs.certSecretRef && !refs.proxySecretRef) return undefined;
  const opts: Parameters<typeof nodeFetch>[0] = { maxResponseBytes: MaxResponseBytes };
  if (refs.certSecretRef) {
    const name = refs.certSecretRef.name;
    const data = await readSecretData(client, ns, name);
    if (!data)
      throw fail(`failed to get TLS config: secret '${ns}/${name}' referenced by spec.certSecretRef not found`);
    const { 'ca.crt': ca, 'tls.crt': cert, 'tls.key': key } = data;
    if (!ca && !(cert && key))
      throw fail(`failed to get TLS config: secret '${ns}/${name}' holds no ca.crt, nor tls.crt with tls.key`);
    if ((cert === undefined) !== (key === undefined))
      throw fail(`failed to get TLS config: secret '${ns}/${name}' must hold both tls.crt and tls.key, or neither`);
    opts.caCert = ca;
    opts.clientCert = cert;
    opts.clientKey = key;
  }
  if (refs.proxySecretRef) {
    const name = refs.proxySecretRef.name;
    const data = await readSecretData(client, ns, name);
    if (!data) throw fail(`failed to get proxy secret '${ns}/${name}': secret not found`);
    let url: URL;
    try {
      const proxy = gitProxyFromSecret(data, `${ns}/${name}`);
      url = new URL(proxy.address);
      if (proxy.username !== undefined) url.username = encodeURIComponent(proxy.username);
      if (proxy.password !== undefined) url.password = encodeURIComponent(proxy.password);
    } catch (err) {
      throw fail(messageOf(err));
    }
    if (url.protocol !== 'http:') throw fail(`secret '${ns}/${name}': only http:// proxies are supported`);
    opts.proxy = url.toString();
  }
  return nodeFetch(opts);
}
