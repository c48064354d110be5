// Kustomization `spec.kubeConfig.secretRef`: the cluster a Kustomization applies to, prunes in and
// health-checks, read from a kubeconfig in a Secret as kustomize-controller does.
import { createHash } from 'node:crypto';
import { Reasons } from '../../api/constants.ts';
import type { Kustomization } from '../../api/kustomization.ts';
import { KubeClient } from '../../kube/client.ts';
import { KubeConfig } from '../../kube/client-node-kubeconfig.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { messageOf, readSecretData } from '../shared.ts';

/** A cluster named by a kubeconfig: its client and its server address (credentials never included). */
export interface RemoteCluster {
  client: KubeClient;
  server: string;
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

/** Clients of remote clusters, one per Secret content, so connections are reused across reconciles. */
export class RemoteClusters {
  private readonly cache = new Map<string, RemoteCluster>();

  constructor(
    private readonly adminClient: KubeClient,
    private readonly maxEntries = 64,
  ) {}

  /**
   * The cluster `spec.kubeConfig` names, or `undefined` without one. The Secret is read by the controller
   * (as Flux); failures are Ready=False ReconciliationFailed with Flux's messages. `configMapRef` is
   * refused by the field-support table before this runs.
   */
  async clusterFor(ks: Kustomization): Promise<RemoteCluster | undefined> {
    const ref = ks.spec.kubeConfig?.secretRef;
    if (!ref) return undefined;
    const ns = ks.metadata.namespace ?? '';
    const secret = `${ns}/${ref.name}`;
    const fail = (message: string, cause?: unknown): ReconcileFailure =>
      new ReconcileFailure(Reasons.ReconciliationFailed, message, cause === undefined ? {} : { cause });
    let data: Record<string, string> | undefined;
    try {
      data = await readSecretData(this.adminClient, ns, ref.name);
    } catch (err) {
      throw fail(`unable to read KubeConfig secret '${secret}' error: ${messageOf(err)}`, err);
    }
    if (!data) throw fail(`unable to read KubeConfig secret '${secret}' error: secrets "${ref.name}" not found`);
    let text: string;
    try {
      text = kubeConfigFromSecret(data, secret, ref.key);
    } catch (err) {
      throw fail(messageOf(err), err);
    }
    const cacheKey = `${secret}\n${createHash('sha256').update(text).digest('hex')}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    let parsed: ReturnType<typeof parseRemoteKubeConfig>;
    try {
      parsed = parseRemoteKubeConfig(text);
    } catch (err) {
      throw fail(`invalid kubeconfig in secret '${secret}': ${messageOf(err)}`, err);
    }
    const cluster = { client: new KubeClient({ kubeConfig: parsed.kubeConfig }), server: shownServer(parsed.server) };
    // A changed Secret replaces the entry of its previous content.
    for (const key of this.cache.keys()) if (key.startsWith(`${secret}\n`)) this.cache.delete(key);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value ?? '');
    this.cache.set(cacheKey, cluster);
    return cluster;
  }

  /** Fails naming the server address when the cluster does not answer. */
  async probe(cluster: RemoteCluster): Promise<void> {
    try {
      await cluster.client.serverVersion();
    } catch (err) {
      throw new ReconcileFailure(
        Reasons.ReconciliationFailed,
        `failed to reach the cluster at '${cluster.server}' of spec.kubeConfig: ${messageOf(err)}`,
        { cause: err },
      );
    }
  }
}
