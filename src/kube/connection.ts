import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';

/** What one request to the API server needs besides its own headers. */
export interface Connection {
  /** The pooled keep-alive agent of this cluster identity. */
  agent: http.Agent;
  /** Credential headers (`Authorization`, the kubeconfig's `Impersonate-User`). */
  headers: http.OutgoingHttpHeaders;
}

const IdleSocketTimeoutMs = 30_000;

/** The TLS settings that identify one agent (the rest of the request options are per request). */
const tlsKeys = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsOptions = Pick<https.RequestOptions, (typeof tlsKeys)[number]>;

/**
 * One pooled keep-alive agent per cluster identity (server + TLS material of the kubeconfig's current
 * user), and the credential headers of each request. client-node's `applyToHTTPSOptions` installs a new
 * agent on every call, which costs a TLS handshake per request; here its output is read for the TLS
 * material and headers only, and the agent is built once. Credentials that cannot change (a static
 * token, basic auth, client certificates) are read once; those of exec and auth-provider plugins (the
 * in-cluster token file included) are read per request, since the plugins cache and rotate them, and a
 * plugin that rotates the client certificate gets a new agent (the old one's sockets are closed once idle).
 */
export class ClusterConnection {
  readonly server: URL;
  private readonly kubeConfig: KubeConfig;
  private readonly maxSockets: number;
  private readonly rotates: boolean;
  private fixed: Promise<Connection> | undefined;
  private agent: http.Agent | undefined;
  private tls: TlsOptions | undefined;

  /** Throws when the kubeconfig has no current cluster. `maxSockets` defaults to 64. */
  constructor(opts: { kubeConfig: KubeConfig; maxSockets?: number }) {
    const cluster = opts.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster: set current-context or pass --kubeconfig');
    this.kubeConfig = opts.kubeConfig;
    this.server = new URL(cluster.server);
    this.maxSockets = opts.maxSockets ?? 64;
    const user = opts.kubeConfig.getCurrentUser();
    this.rotates = Boolean(user?.exec || user?.authProvider);
  }

  /** The agent and credential headers for the next request. Rejects when a credential plugin fails. */
  prepare(): Promise<Connection> {
    if (this.rotates) return this.read();
    this.fixed ??= this.read().catch((err: unknown) => {
      this.fixed = undefined;
      throw err;
    });
    return this.fixed;
  }

  /** Closes every pooled connection. */
  close(): void {
    this.agent?.destroy();
  }

  private async read(): Promise<Connection> {
    const options: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const tls: TlsOptions = {};
    for (const k of tlsKeys) if (options[k] !== undefined) Object.assign(tls, { [k]: options[k] });
    if (!this.agent || !this.tls || !sameTls(this.tls, tls)) {
      if (this.agent) retire(this.agent);
      this.agent = this.buildAgent(tls, options.agent);
      this.tls = tls;
    }
    // client-node writes headers as an object (never the raw-array form), so the cast holds.
    const headers: http.OutgoingHttpHeaders = { ...(options.headers as http.OutgoingHttpHeaders) };
    if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    return { agent: this.agent, headers };
  }

  private buildAgent(tls: TlsOptions, fromClientNode: http.Agent | boolean | undefined): http.Agent {
    // A proxy needs client-node's proxy agent; it is still built once per identity, not per request.
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl && fromClientNode instanceof http.Agent) return fromClientNode;
    // An idle pooled connection is closed by the client after 30 s (a busy one, a watch included, is not),
    // so a server or load balancer closing idle connections rarely races a request being sent on one.
    const pool = { keepAlive: true, maxSockets: this.maxSockets, timeout: IdleSocketTimeoutMs };
    if (this.server.protocol !== 'https:') return new http.Agent(pool);
    // One TLS context for every socket of the agent: without it each new connection (every watch holds one)
    // parses the CA and key again, about 5 ms of CPU each at start-up.
    const { rejectUnauthorized: _verify, servername: _name, ...material } = tls;
    return new https.Agent({ ...pool, ...tls, secureContext: createSecureContext(material) });
  }
}

function sameTls(a: TlsOptions, b: TlsOptions): boolean {
  return tlsKeys.every((k) => {
    const x: unknown = a[k];
    const y: unknown = b[k];
    return Buffer.isBuffer(x) && Buffer.isBuffer(y) ? x.equals(y) : x === y;
  });
}

/** Stops an agent from keeping connections: idle ones close now, busy ones when their request ends. */
function retire(agent: http.Agent): void {
  agent.on('free', (socket: Socket) => socket.destroy());
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}
