// How a registry is reached, one module for OCIRepository and ImageRepository (scan and ImagePolicy
// digest lookup), as Flux builds it for both: pull secrets (`spec.secretRef`, then the `imagePullSecrets`
// of `spec.serviceAccountName`; the first kubernetes.io/dockerconfigjson entry for the registry wins), a
// CA and client certificate (`certSecretRef`: `ca.crt`, `tls.crt`/`tls.key`), an HTTP proxy
// (`proxySecretRef`, read by proxy-secret.ts) and, for OCIRepository only, `insecure` without a CA
// skipping the server certificate check. Errors go through the caller's `fail`, in its kind's wording.
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { nodeFetch, type NodeFetch } from '../util/http-transport.ts';
import { credentialsFromDockerConfig, type RegistryCredentials } from '../sources/oci/auth.ts';
import { readProxyUrl } from './proxy-secret.ts';
import { messageOf, readSecretData, readTlsSecret, type TlsSecret } from './shared.ts';

/** Turns a detail into the kind's failure (reason and message prefix). */
export type AccessFailure = (detail: string) => Error;

/** The registry fields of an OCIRepository's or ImageRepository's spec. */
export interface RegistrySpec {
  secretRef?: { name: string } | undefined;
  serviceAccountName?: string | undefined;
  certSecretRef?: { name: string } | undefined;
  proxySecretRef?: { name: string } | undefined;
  insecure?: boolean | undefined;
}

/** What the registry client needs besides the address: absent fields mean anonymous and the global fetch. */
export interface RegistryAccess {
  credentials?: RegistryCredentials;
  fetch?: NodeFetch;
}

/** Options of `registryAccess`. */
export interface RegistryAccessOptions {
  /** The registry host the pull secrets are looked up for. */
  registry: string;
  /** What the object points at (`spec.url`, `spec.image`), named in transport errors. */
  target: string;
  fail: AccessFailure;
  /** `insecure` without `certSecretRef` accepts any server certificate (OCIRepository, as Flux). Default false. */
  insecureSkipsVerify?: boolean;
}

/** The credentials and HTTP client for a registry from `spec`, read from the object's namespace `ns`. */
export async function registryAccess(
  client: KubeClient,
  ns: string,
  spec: RegistrySpec,
  opts: RegistryAccessOptions,
): Promise<RegistryAccess> {
  const credentials = await pullSecretCredentials(client, ns, spec, opts);
  const fetch = await registryTransport(client, ns, spec, opts);
  return { ...(credentials ? { credentials } : {}), ...(fetch ? { fetch } : {}) };
}

/** Credentials for the registry from the pull secrets; undefined when none has an entry for it. */
async function pullSecretCredentials(
  client: KubeClient,
  ns: string,
  spec: RegistrySpec,
  { registry, fail }: RegistryAccessOptions,
): Promise<RegistryCredentials | undefined> {
  const failCredential = (detail: string) => fail(`failed to get credential: ${detail}`);
  const names: { name: string; via: string }[] = [];
  if (spec.secretRef) names.push({ name: spec.secretRef.name, via: 'spec.secretRef' });
  const saName = spec.serviceAccountName;
  if (saName) {
    const sa = await client.get<KubeObject & { imagePullSecrets?: { name?: string }[] }>({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: ns,
      name: saName,
    });
    if (!sa) throw failCredential(`service account '${ns}/${saName}' referenced by spec.serviceAccountName not found`);
    for (const ref of sa.imagePullSecrets ?? [])
      if (ref.name) names.push({ name: ref.name, via: `the imagePullSecrets of service account '${saName}'` });
  }
  for (const { name, via } of names) {
    const data = await readSecretData(client, ns, name);
    if (!data)
      throw failCredential(
        `failed to get secret '${ns}/${name}' referenced by ${via}: secret not found; create it with \`kubectl create secret docker-registry\``,
      );
    const json = data['.dockerconfigjson'];
    if (json === undefined)
      throw failCredential(
        `secret '${ns}/${name}' has no '.dockerconfigjson' key; it must be of type kubernetes.io/dockerconfigjson`,
      );
    let found: RegistryCredentials | undefined;
    try {
      found = credentialsFromDockerConfig(json, registry);
    } catch (err) {
      throw failCredential(`secret '${ns}/${name}': ${messageOf(err)}`);
    }
    if (found) return found;
  }
  return undefined;
}

/**
 * A streaming nodeFetch trusting the `certSecretRef` CA (besides the system roots), presenting its client
 * certificate, going through the `proxySecretRef` proxy (CONNECT for https) and, when allowed, skipping
 * the certificate check for `insecure`; undefined when none applies (the global fetch).
 */
async function registryTransport(
  client: KubeClient,
  ns: string,
  spec: RegistrySpec,
  { target, fail, insecureSkipsVerify }: RegistryAccessOptions,
): Promise<NodeFetch | undefined> {
  const { certSecretRef, proxySecretRef } = spec;
  const skipVerify = insecureSkipsVerify === true && !certSecretRef && spec.insecure === true;
  if (!certSecretRef && !proxySecretRef && !skipVerify) return undefined;
  let proxy: string | undefined;
  if (proxySecretRef) {
    try {
      proxy = await readProxyUrl(client, ns, proxySecretRef.name);
    } catch (err) {
      throw fail(`failed to get proxy address: ${messageOf(err)}`);
    }
  }
  let tls: TlsSecret = {};
  if (certSecretRef) {
    try {
      tls = await readTlsSecret(client, ns, certSecretRef.name);
    } catch (err) {
      throw fail(`failed to generate transport for '${target}': ${messageOf(err)}`);
    }
  }
  return nodeFetch({
    stream: true,
    ...(tls.ca ? { caCert: tls.ca } : {}),
    ...(tls.cert && tls.key ? { clientCert: tls.cert, clientKey: tls.key } : {}),
    ...(proxy ? { proxy } : {}),
    skipVerify,
  });
}
