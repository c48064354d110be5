// The HTTP client of an OCIRepository's registry requests, as source-controller builds its transport:
// `certSecretRef` (a CA added to the system roots, a client certificate), `proxySecretRef` (`address`,
// `username`, `password`), and `insecure` without a CA, which skips the server certificate check (the one
// place Flux allows it, for registries with self-signed certificates). Undefined: the global fetch.
import type { OCIRepository } from '../../api/oci-repository.ts';
import type { KubeClient } from '../../kube/client.ts';
import { gitProxyFromSecret } from '../../sources/git/git-auth.ts';
import { nodeFetch, type NodeFetch } from '../../util/http-transport.ts';
import { messageOf, readSecretData, readTlsSecret, type TlsSecret } from '../shared.ts';

/** A transport setting that could not be read; the message is Flux's, the reason AuthenticationFailed. */
export class TransportSettingsError extends Error {}

/** The registry client's fetch for `obj`, or undefined when none of the three settings applies. */
export async function registryTransport(client: KubeClient, obj: OCIRepository): Promise<NodeFetch | undefined> {
  const ns = obj.metadata.namespace ?? '';
  const { certSecretRef, proxySecretRef, insecure, url } = obj.spec;
  let proxy: string | undefined;
  if (proxySecretRef) {
    const fail = (why: string) => new TransportSettingsError(`failed to get proxy address: ${why}`);
    const data = await readSecretData(client, ns, proxySecretRef.name);
    if (!data) throw fail(`secrets "${proxySecretRef.name}" not found`);
    try {
      const p = gitProxyFromSecret(data, `${ns}/${proxySecretRef.name}`);
      const u = new URL(p.address);
      if (p.username !== undefined) u.username = encodeURIComponent(p.username);
      if (p.password !== undefined) u.password = encodeURIComponent(p.password);
      proxy = u.toString();
    } catch (err) {
      throw fail(messageOf(err));
    }
  }
  let tls: TlsSecret = {};
  if (certSecretRef) {
    try {
      tls = await readTlsSecret(client, ns, certSecretRef.name);
    } catch (err) {
      throw new TransportSettingsError(`failed to generate transport for '${url}': ${messageOf(err)}`);
    }
  }
  const skipVerify = !certSecretRef && insecure === true;
  if (!proxy && !certSecretRef && !skipVerify) return undefined;
  try {
    return nodeFetch({
      stream: true,
      ...(tls.ca ? { caCert: tls.ca } : {}),
      ...(tls.cert && tls.key ? { clientCert: tls.cert, clientKey: tls.key } : {}),
      ...(proxy ? { proxy } : {}),
      skipVerify,
    });
  } catch (err) {
    throw new TransportSettingsError(`failed to generate transport for '${url}': ${messageOf(err)}`);
  }
}
