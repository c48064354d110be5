// `spec.kubeConfig.configMapRef` (Flux's secret-less remote clusters, "workload identity"): the ConfigMap's
// keys, the `generic` provider's address and audiences, and the ServiceAccount token it sends, minted with
// the TokenRequest API as fluxcd/pkg/auth does. The cloud providers (aws, azure, gcp) need their cloud's
// token services and are refused by the caller.
import { readFile } from 'node:fs/promises';
import type { KubeClient } from '../kube/client.ts';
import { messageOf } from './shared.ts';

/** The ConfigMap keys Flux reads (fluxcd/pkg/apis/meta KubeConfigKey*). */
export const KubeConfigKeys = {
  provider: 'provider',
  cluster: 'cluster',
  address: 'address',
  caCert: 'ca.crt',
  audiences: 'audiences',
  serviceAccountName: 'serviceAccountName',
} as const;

/** Providers Flux accepts that need a cloud's token service; Driftless refuses them as NotSupported. */
export const CloudKubeConfigProviders = ['aws', 'azure', 'gcp'] as const;

/** Where a Pod's ServiceAccount token is mounted: the controller's own identity, as Flux reads it. */
export const ControllerTokenFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The Feature gate Flux requires before a ConfigMap's `serviceAccountName` is used. */
export const ObjectLevelWorkloadIdentityGate = 'ObjectLevelWorkloadIdentity';

/** What the `generic` provider reads from the ConfigMap. */
export interface GenericClusterConfig {
  /** `https://<lowercase host>:<port>`, as fluxcd/pkg/auth's ParseClusterAddress. */
  address: string;
  /** PEM of `ca.crt`; absent: the system's roots. */
  caData?: string;
  /** `audiences` (one a line), else the `address` value as written. */
  audiences: string[];
  /** `serviceAccountName`, when set and not empty: its token, else the controller's. */
  serviceAccountName?: string;
}

/** Flux's ParseClusterAddress: `https://` added when no scheme, https only, port 443 by default, host lowercased. */
export function parseClusterAddress(address: string): string {
  if (!address) throw new Error('empty address');
  const withScheme = address.startsWith('http') ? address : `https://${address}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch (err) {
    throw new Error(`failed to parse Kubernetes API server address '${withScheme}': ${messageOf(err)}`, {
      cause: err,
    });
  }
  if (u.protocol !== 'https:') {
    throw new Error(`the Kubernetes API server address '${withScheme}' must use https scheme`);
  }
  // URL drops the default port; Flux writes it out.
  return `https://${u.hostname.toLowerCase()}:${u.port || '443'}`;
}

/** The `generic` provider's settings from the ConfigMap data; throws with fluxcd/pkg/auth's messages. */
export function genericClusterConfig(data: Readonly<Record<string, string>>): GenericClusterConfig {
  const raw = data[KubeConfigKeys.address] ?? '';
  if (!raw) throw new Error('cluster address is required to create a REST config');
  let address: string;
  try {
    address = parseClusterAddress(raw);
  } catch (err) {
    throw new Error(`failed to parse cluster address ${raw}: ${messageOf(err)}`, { cause: err });
  }
  const listed = (data[KubeConfigKeys.audiences] ?? '')
    .split('\n')
    .map((a) => a.trim())
    .filter(Boolean);
  const out: GenericClusterConfig = { address, audiences: listed.length > 0 ? listed : [raw] };
  const ca = data[KubeConfigKeys.caCert];
  if (ca) out.caData = ca;
  const sa = data[KubeConfigKeys.serviceAccountName];
  if (sa) out.serviceAccountName = sa;
  return out;
}

/** A ServiceAccount token and when it expires. */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Creates a token of `namespace/name` for `audiences` with the TokenRequest API (`serviceaccounts/token`). */
export async function requestServiceAccountToken(
  client: KubeClient,
  namespace: string,
  name: string,
  audiences: readonly string[],
): Promise<IssuedToken> {
  const path = await client.path({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name }, 'token');
  const res = await client.transport.send<{ status?: { token?: string; expirationTimestamp?: string } }>({
    method: 'POST',
    path,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences } },
  });
  const token = res.status?.token;
  const expiresAt = new Date(res.status?.expirationTimestamp ?? '');
  if (!token || Number.isNaN(expiresAt.getTime())) throw new Error('the TokenRequest answer has no token');
  return { token, expiresAt };
}

/** The ServiceAccount a token was issued to, from its `sub` claim (`system:serviceaccount:<ns>:<name>`). */
export function serviceAccountOfToken(jwt: string): { namespace: string; name: string } {
  const payload = jwt.trim().split('.')[1];
  let sub: unknown;
  try {
    sub = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;
  } catch (err) {
    throw new Error(`failed to parse service account token: ${messageOf(err)}`, { cause: err });
  }
  if (typeof sub !== 'string') throw new Error('failed to get subject from service account token');
  const parts = sub.split(':');
  if (parts.length !== 4) throw new Error(`invalid subject format in service account token: ${sub}`);
  return { namespace: parts[2] ?? '', name: parts[3] ?? '' };
}

/** How a token is obtained for a ConfigMap: the cluster that mints it, the gate, the controller's token file. */
export interface WorkloadIdentityOptions {
  client: KubeClient;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: a ConfigMap's serviceAccountName needs it. */
  objectLevelWorkloadIdentity: boolean;
  /** The controller's own token (default {@link ControllerTokenFile}). */
  controllerTokenFile?: string;
  /** Flux's `--default-kubeconfig-service-account`: the ServiceAccount when the ConfigMap names none (lockdown). */
  defaultServiceAccount?: string;
}

/** fluxcd/pkg/auth's ErrDefaultServiceAccountNotFound. */
const DefaultServiceAccountNotFound =
  'the specified default service account does not exist in the object namespace. your cluster is subject to multi-tenant workload identity lockdown, reach out to your cluster administrator for help';

/**
 * The bearer token the `generic` provider sends: of the ConfigMap's ServiceAccount, else the default one
 * (in `namespace`, the object's; it must exist, and Flux's ObjectLevelWorkloadIdentity gate must be on),
 * else of the controller's own ServiceAccount (its mounted token names it). With `reuse` (the caller holds a token still good), the
 * ServiceAccount and the gate are checked and nothing is minted: undefined. Throws with fluxcd/pkg/auth's
 * messages, each prefixed `failed to get access token for cluster:` as Flux's GetRESTConfig does.
 */
export async function genericClusterToken(
  o: WorkloadIdentityOptions,
  namespace: string,
  cfg: GenericClusterConfig,
  reuse = false,
): Promise<IssuedToken | undefined> {
  const wrap = (err: unknown): Error =>
    new Error(`failed to get access token for cluster: ${messageOf(err)}`, { cause: err });
  const sa = cfg.serviceAccountName || o.defaultServiceAccount;
  if (sa) {
    let found;
    try {
      found = await o.client.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: sa });
    } catch (err) {
      throw wrap(new Error(`failed to get service account '${namespace}/${sa}': ${messageOf(err)}`));
    }
    if (!found) {
      const detail = cfg.serviceAccountName ? `serviceaccounts "${sa}" not found` : DefaultServiceAccountNotFound;
      throw wrap(new Error(`failed to get service account '${namespace}/${sa}': ${detail}`));
    }
    if (!o.objectLevelWorkloadIdentity) {
      throw wrap(new Error(`${ObjectLevelWorkloadIdentityGate} feature gate is not enabled`));
    }
    if (reuse) return undefined;
    try {
      return await requestServiceAccountToken(o.client, namespace, sa, cfg.audiences);
    } catch (err) {
      throw wrap(
        new Error(`failed to create kubernetes token for service account '${namespace}/${sa}': ${messageOf(err)}`),
      );
    }
  }
  const controller = async (): Promise<IssuedToken> => {
    const file = o.controllerTokenFile ?? ControllerTokenFile;
    let own: { namespace: string; name: string };
    try {
      own = serviceAccountOfToken(await readFile(file, 'utf8'));
    } catch (err) {
      const detail = (err as NodeJS.ErrnoException).code ? `failed to read service account token file ${file}: ` : '';
      throw new Error(`${detail}${messageOf(err)}`, { cause: err });
    }
    try {
      return await requestServiceAccountToken(o.client, own.namespace, own.name, cfg.audiences);
    } catch (err) {
      throw new Error(
        `failed to create kubernetes token for controller service account '${own.namespace}/${own.name}': ${messageOf(err)}`,
        { cause: err },
      );
    }
  };
  if (reuse) return undefined;
  try {
    return await controller();
  } catch (err) {
    throw wrap(new Error(`failed to create provider access token for the controller: ${messageOf(err)}`));
  }
}
