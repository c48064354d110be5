// Test helpers for the Kubernetes client: an in-process loopback API server and a kubeconfig for it.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid 2000–2100), with its key. Test-only: it
 * lets a loopback HTTPS server run without openssl; it protects nothing.
 */
export const loopbackTls = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2wfBEqpdgxvphNvg
YIoABY7auOir0vds18MoklJmxwGhRANCAARU6jW0HwhtR9RKXcc2dqSFWYu06/AT
qHAac65bTEgOEgQxpy2ylCq02yFrc9IzJkscMYE7mI0QaCKFfLN4XMJu
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBgjCCASmgAwIBAgIBATAKBggqhkjOPQQDAjAiMSAwHgYDVQQDDBdkcmlmdGxl
c3MtdGVzdC1sb29wYmFjazAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAw
MFowIjEgMB4GA1UEAwwXZHJpZnRsZXNzLXRlc3QtbG9vcGJhY2swWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAARU6jW0HwhtR9RKXcc2dqSFWYu06/ATqHAac65bTEgO
EgQxpy2ylCq02yFrc9IzJkscMYE7mI0QaCKFfLN4XMJuo04wTDAPBgNVHRMBAf8E
BTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAdBgNVHQ4EFgQUu+H9
xSJkQ2MST4akT0lfI4TXYFAwCgYIKoZIzj0EAwIDRwAwRAIgIfEqyc1P1D0a9IsQ
owETHLD0cuJZ9r6sTIdtFs0UdRMCIF2OZyTERMyQbu3byN3EXCxvGwwO1jHEoYrN
rohNIHnh
-----END CERTIFICATE-----
`,
} as const;

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A loopback API server whose answers the test writes; counts connections and requests. */
export interface FakeApiServer {
  url: string;
  kubeConfig: KubeConfig;
  requests: SeenRequest[];
  /** TCP connections accepted (TLS handshakes, for an HTTPS server). */
  connections(): number;
  close(): Promise<void>;
}

/** Answers one request; `body` is the request body as text. */
export type FakeHandler = (req: SeenRequest & { body: string }, res: http.ServerResponse) => void;

/** The discovery document of the core group, enough for ConfigMap and Namespace. */
export const coreDiscovery = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'list', 'watch', 'patch'] },
    { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list'] },
  ],
};

/** Writes a JSON answer. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts a loopback server (HTTPS with `loopbackTls` when `tls`, else HTTP) and a kubeconfig that trusts
 * it with a bearer token. The handler answers every request; the test closes the server.
 */
export async function startFakeApiServer(opts: { tls?: boolean; handler: FakeHandler }): Promise<FakeApiServer> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
      requests.push(seen);
      opts.handler({ ...seen, body: Buffer.concat(chunks).toString('utf8') }, res);
    });
  };
  const server = opts.tls
    ? https.createServer({ key: loopbackTls.key, cert: loopbackTls.cert }, onRequest)
    : http.createServer(onRequest);
  server.on(opts.tls ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      opts.tls
        ? { name: 'fake', server: url, caData: Buffer.from(loopbackTls.cert).toString('base64'), skipTLSVerify: false }
        : // client-node refuses plain HTTP unless TLS verification is explicitly skipped.
          { name: 'fake', server: url, skipTLSVerify: true },
    ],
    users: [{ name: 'tester', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
    currentContext: 'fake',
  });
  return {
    url,
    kubeConfig,
    requests,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
