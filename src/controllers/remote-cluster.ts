// `spec.kubeConfig` of a Kustomization or a HelmRelease: the cluster it applies to (or releases in), prunes
// in and health-checks, from a kubeconfig in a Secret (`secretRef`) or, secret-less, from a ConfigMap naming
// the `generic` provider's address and a ServiceAccount token (`configMapRef`), as Flux's controllers do.
import { createHash } from 'node:crypto';
import { Reasons } from '../api/constants.ts';
import { NotSupportedPhrase } from '../api/field-support.ts';
import type { KubeConfigReference } from '../api/meta.ts';
import { KubeClient } from '../kube/client.ts';
import { KubeConfig } from '../kube/client-node-kubeconfig.ts';
import { readConfigData } from '../kube/config-data.ts';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import {
  CloudKubeConfigProviders,
  genericClusterConfig,
  genericClusterToken,
  KubeConfigKeys,
} from './remote-cluster-identity.ts';
import { messageOf, readSecretData } from './shared.ts';

/**
 * A cluster named by a kubeconfig: its client, its server address (credentials never included) and, for
 * tools that take a kubeconfig file (helm), the kubeconfig reduced to what the client uses. `kubeConfig`
 * holds credentials: it is written only to private files and never logged.
 */
export interface RemoteCluster {
  client: KubeClient;
  server: string;
  kubeConfig: string;
}

/** An object that may name a remote cluster (Kustomization, HelmRelease). */
export interface RemoteClusterOwner {
  metadata: { namespace?: string };
  spec: { kubeConfig?: KubeConfigReference };
}

/** The kubeconfig text from the Secret's data, picking the key as Flux does: `key`, else `value`, else `value.yaml`. */
export function kubeConfigFromSecret(data: Record<string, string>, secret: string, key: string | undefined): string {
  if (key) {
    const value = data[key];
    if (value === undefined) {
      throw new Error(`KubeConfig secret '${secret}' does not contain a '${key}' key with a kubeconfig`);
    }
    return value;
  }
  const value = data['value'] ?? data['value.yaml'];
  if (value === undefined)
    throw new Error(`KubeConfig secret '${secret}' does not contain a 'value' key with a kubeconfig`);
  return value;
}

/** The server address without userinfo, query or fragment, for messages. */
export function shownServer(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable server address)';
  }
}

/**
 * Parses a kubeconfig from a Secret. Like Flux without `--insecure-kubeconfig-exec`/`-tls`, exec and
 * auth-provider credential plugins are refused and `insecure-skip-tls-verify` is not honoured; beyond Flux,
 * file references (certificate-authority, client-certificate, client-key) are refused too, so a Secret
 * cannot make the engine read files of the host it runs on: inline the `*-data` fields instead.
 */
export function parseRemoteKubeConfig(text: string): { kubeConfig: KubeConfig; server: string } {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new Error(`the kubeconfig does not parse: ${messageOf(err)}`);
  }
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster?.server) throw new Error('the kubeconfig has no current context with a cluster server address');
  if (user?.exec || user?.authProvider) {
    throw new Error(
      'the kubeconfig uses an exec or auth-provider credential plugin, which is not allowed; use a token or client certificate',
    );
  }
  const files = [
    cluster.caFile ? 'certificate-authority' : '',
    user?.certFile ? 'client-certificate' : '',
    user?.keyFile ? 'client-key' : '',
  ].filter(Boolean);
  if (files.length > 0) {
    throw new Error(
      `the kubeconfig refers to files (${files.join(', ')}); inline them as ${files.map((f) => `${f}-data`).join(', ')}`,
    );
  }
  if (cluster.skipTLSVerify) {
    // As Flux without --insecure-kubeconfig-tls: the server's certificate is always verified.
    const clusters = kc.getClusters().map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: false } : c));
    kc.loadFromOptions({
      clusters,
      users: kc.getUsers(),
      contexts: kc.getContexts(),
      currentContext: kc.getCurrentContext(),
    });
  }
  return { kubeConfig: kc, server: cluster.server };
}

/**
 * The kubeconfig a parsed one stands for, with its current context only and no fields beyond those
 * parseRemoteKubeConfig checked (no exec, files, token files or skipped TLS verification), for a tool
 * that reads a kubeconfig file, so the tool trusts exactly what the engine's own client does.
 */
export function minimalKubeConfig(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const defined = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'remote',
        cluster: defined({
          server: cluster?.server,
          'certificate-authority-data': cluster?.caData,
          'tls-server-name': cluster?.tlsServerName,
          'proxy-url': cluster?.proxyUrl,
        }),
      },
    ],
    users: [
      {
        name: 'remote',
        user: defined({
          'client-certificate-data': user?.certData,
          'client-key-data': user?.keyData,
          token: user?.token,
          username: user?.username,
          password: user?.password,
          as: user?.impersonateUser,
        }),
      },
    ],
    contexts: [{ name: 'remote', context: { cluster: 'remote', user: 'remote' } }],
    'current-context': 'remote',
  });
}

/** How a caller's failures are reported: the Ready reason, and the field named in messages. */
export interface RemoteClustersOptions {
  /** Ready reason of a failure to read or reach the cluster (default ReconciliationFailed, kustomize-controller's). */
  reason?: string;
  /** The message of a Secret that cannot be read (default kustomize-controller's `unable to read KubeConfig secret …`). */
  readError?: (secret: string, detail: string) => string;
  maxEntries?: number;
  /** Flux's ObjectLevelWorkloadIdentity feature gate: a `configMapRef` ConfigMap's `serviceAccountName` needs it. */
  objectLevelWorkloadIdentity?: boolean;
  /** The controller's own ServiceAccount token, for a ConfigMap without `serviceAccountName` (a Pod's, by default). */
  controllerTokenFile?: string;
  /** Flux's `--default-kubeconfig-service-account`: used when the ConfigMap names no `serviceAccountName`. */
  defaultKubeConfigServiceAccount?: string;
}

// A cluster reached with a minted token is reused until this share of the token's lifetime has passed.
const TOKEN_REUSE_SHARE = 0.8;

/**
 * A kubeconfig for a bearer token to `server`, trusting `caData` (PEM; absent: the system's roots), in the
 * form parseRemoteKubeConfig gives, so the engine's client and helm use the same.
 */
export function tokenKubeConfig(server: string, token: string, caData?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'remote',
        server,
        skipTLSVerify: false,
        ...(caData ? { caData: Buffer.from(caData).toString('base64') } : {}),
      },
    ],
    users: [{ name: 'remote', token }],
    contexts: [{ name: 'remote', cluster: 'remote', user: 'remote' }],
    currentContext: 'remote',
  });
  return kc;
}

/** Clients of remote clusters, one per Secret or ConfigMap content, so connections are reused across reconciles. */
export class RemoteClusters {
  private readonly cache = new Map<string, RemoteCluster & { renewAt?: number }>();
  private readonly reason: string;
  private readonly maxEntries: number;
  private readonly readError: (secret: string, detail: string) => string;
  private readonly objectLevelWorkloadIdentity: boolean;
  private readonly controllerTokenFile: string | undefined;
  private readonly defaultKubeConfigServiceAccount: string | undefined;

  constructor(
    private readonly adminClient: KubeClient,
    opts: RemoteClustersOptions = {},
  ) {
    this.reason = opts.reason ?? Reasons.ReconciliationFailed;
    this.maxEntries = opts.maxEntries ?? 64;
    this.readError =
      opts.readError ?? ((secret, detail) => `unable to read KubeConfig secret '${secret}' error: ${detail}`);
    this.objectLevelWorkloadIdentity = opts.objectLevelWorkloadIdentity ?? false;
    this.controllerTokenFile = opts.controllerTokenFile;
    this.defaultKubeConfigServiceAccount = opts.defaultKubeConfigServiceAccount;
  }

  /**
   * Whether the Secret or ConfigMap `spec.kubeConfig` names exists (a deleted object whose kubeconfig is
   * gone cannot be cleaned up); true without `spec.kubeConfig`.
   */
  async kubeConfigExists(obj: RemoteClusterOwner): Promise<boolean> {
    const ns = obj.metadata.namespace ?? '';
    const kc = obj.spec.kubeConfig;
    if (kc?.secretRef) return (await readSecretData(this.adminClient, ns, kc.secretRef.name)) !== undefined;
    if (kc?.configMapRef)
      return (await readConfigData(this.adminClient, 'ConfigMap', ns, kc.configMapRef.name)) !== undefined;
    return true;
  }

  private fail(message: string, cause?: unknown): ReconcileFailure {
    return new ReconcileFailure(this.reason, message, cause === undefined ? {} : { cause });
  }

  /**
   * The cluster `spec.kubeConfig` names, or `undefined` without one. The Secret or ConfigMap is read by the
   * controller (as Flux); failures are Ready=False with the options' reason and Flux's messages.
   */
  async clusterFor(obj: RemoteClusterOwner): Promise<RemoteCluster | undefined> {
    if (obj.spec.kubeConfig?.configMapRef) return await this.workloadIdentityCluster(obj);
    const ref = obj.spec.kubeConfig?.secretRef;
    if (!ref) return undefined;
    const ns = obj.metadata.namespace ?? '';
    const secret = `${ns}/${ref.name}`;
    let data: Record<string, string> | undefined;
    try {
      data = await readSecretData(this.adminClient, ns, ref.name);
    } catch (err) {
      throw this.fail(this.readError(secret, messageOf(err)), err);
    }
    if (!data) throw this.fail(this.readError(secret, `secrets "${ref.name}" not found`));
    let text: string;
    try {
      text = kubeConfigFromSecret(data, secret, ref.key);
    } catch (err) {
      throw this.fail(messageOf(err), err);
    }
    const cacheKey = `${secret}\n${createHash('sha256').update(text).digest('hex')}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    let parsed: ReturnType<typeof parseRemoteKubeConfig>;
    try {
      parsed = parseRemoteKubeConfig(text);
    } catch (err) {
      throw this.fail(`invalid kubeconfig in secret '${secret}': ${messageOf(err)}`, err);
    }
    const cluster = {
      client: new KubeClient({ kubeConfig: parsed.kubeConfig }),
      server: shownServer(parsed.server),
      kubeConfig: minimalKubeConfig(parsed.kubeConfig),
    };
    this.remember(`${secret}\n`, cacheKey, cluster);
    return cluster;
  }

  /**
   * `spec.kubeConfig.configMapRef` (Flux's secret-less authentication): the `generic` provider sends a
   * ServiceAccount token minted for the ConfigMap's audiences to its `address`, trusting its `ca.crt`. The
   * cloud providers are NotSupported (Stalled; a fixed ConfigMap is read on the next spec change or reconcile
   * request); other values are Flux's "not implemented".
   */
  private async workloadIdentityCluster(obj: RemoteClusterOwner): Promise<RemoteCluster> {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.spec.kubeConfig?.configMapRef?.name ?? '';
    const configMap = `${ns}/${name}`;
    let data: Record<string, string> | undefined;
    try {
      data = await readConfigData(this.adminClient, 'ConfigMap', ns, name);
    } catch (err) {
      throw this.fail(`failed to get configmap ${configMap}: ${messageOf(err)}`, err);
    }
    if (!data) throw this.fail(`failed to get configmap ${configMap}: configmaps "${name}" not found`);
    const provider = data[KubeConfigKeys.provider] ?? '';
    if ((CloudKubeConfigProviders as readonly string[]).includes(provider)) {
      throw new ReconcileFailure(
        Reasons.NotSupported,
        `spec.kubeConfig.configMapRef provider '${provider}' (ConfigMap ${configMap}) ${NotSupportedPhrase}: ` +
          `use provider 'generic' with a ServiceAccount token the cluster trusts, or spec.kubeConfig.secretRef`,
        { stalled: true },
      );
    }
    if (provider !== 'generic') throw this.fail(`provider '${provider}' not implemented`);
    let cfg: ReturnType<typeof genericClusterConfig>;
    try {
      cfg = genericClusterConfig(data);
    } catch (err) {
      throw this.fail(messageOf(err), err);
    }
    const owner = `configmap:${configMap}\n`;
    const cacheKey = `${owner}${createHash('sha256')
      .update(JSON.stringify(Object.entries(data).sort()))
      .digest('hex')}`;
    const cached = this.cache.get(cacheKey);
    // The ServiceAccount is looked up on every call (as Flux with its token cache), the token minted when due.
    const token = await genericClusterToken(
      {
        client: this.adminClient,
        objectLevelWorkloadIdentity: this.objectLevelWorkloadIdentity,
        ...(this.controllerTokenFile ? { controllerTokenFile: this.controllerTokenFile } : {}),
        ...(this.defaultKubeConfigServiceAccount
          ? { defaultServiceAccount: this.defaultKubeConfigServiceAccount }
          : {}),
      },
      ns,
      cfg,
      cached?.renewAt !== undefined && cached.renewAt > Date.now(),
    ).catch((err: unknown) => {
      throw this.fail(messageOf(err), err);
    });
    if (!token && cached) return cached;
    if (!token) throw this.fail('internal: no token was minted');
    const kc = tokenKubeConfig(cfg.address, token.token, cfg.caData);
    const now = Date.now();
    const cluster = {
      client: new KubeClient({ kubeConfig: kc }),
      server: shownServer(cfg.address),
      kubeConfig: minimalKubeConfig(kc),
      renewAt: now + (token.expiresAt.getTime() - now) * TOKEN_REUSE_SHARE,
    };
    this.remember(owner, cacheKey, cluster);
    return cluster;
  }

  // A changed Secret or ConfigMap replaces the entry of its previous content; the oldest goes when full.
  private remember(owner: string, key: string, cluster: RemoteCluster & { renewAt?: number }): void {
    for (const k of this.cache.keys()) if (k.startsWith(owner)) this.cache.delete(k);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value ?? '');
    this.cache.set(key, cluster);
  }

  /** Fails naming the server address when the cluster does not answer. */
  async probe(cluster: RemoteCluster): Promise<void> {
    try {
      await cluster.client.serverVersion();
    } catch (err) {
      throw new ReconcileFailure(
        this.reason,
        `failed to reach the cluster at '${cluster.server}' of spec.kubeConfig: ${messageOf(err)}`,
        { cause: err },
      );
    }
  }
}
