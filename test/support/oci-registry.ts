// A real OCI registry for the tests, started by the project's one registry starter
// (src/devenv/oci-registry.ts: `registry` from the distribution v3 Go module, built by
// scripts/provision.sh registry), optionally behind htpasswd basic auth, a token server, or TLS.
import { execFile } from 'node:child_process';
import { createHash, randomBytes, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { ensurePki } from '../../src/devenv/control-plane/pki.ts';
import {
  registryBinDir,
  startRegistry,
  type RegistryOptions,
  type RunningRegistry,
} from '../../src/devenv/oci-registry.ts';

/** A running registry. */
export interface TestRegistry {
  /** `<bindAddress>:<port>`, the host part of `oci://` URLs. */
  host: string;
  /** Storage root of the filesystem driver (the tests corrupt blobs there). */
  storageDir: string;
  /** The file the registry keeps a blob in (filesystem driver layout). */
  blobPath(digest: string): string;
  /** The registry's stderr so far, for failure messages. */
  logs(): string;
  /** With `tls`: the PEM CA the registry's certificate chains to, and a client certificate it accepts. */
  tls?: { caCert: string; clientCert: string; clientKey: string };
  stop(): Promise<void>;
}

/** Options of `startTestRegistry`. */
export interface TestRegistryOptions {
  /** Require these credentials (htpasswd basic auth); anonymous access when omitted. */
  auth?: { username: string; password: string };
  /** Where the binary is; default `$DRIFTLESS_CACHE/bin` or ~/.cache/driftless/bin. */
  binDir?: string;
  /** Address to listen on (default 127.0.0.1); a non-loopback one makes clients need `insecure` for plain HTTP. */
  bindAddress?: string;
  /**
   * Require Bearer tokens from a token server of the test's own making (ES256 JWTs with an `x5c` chain the
   * registry trusts), which grants them for these credentials only.
   */
  tokenAuth?: { username: string; password: string };
  /**
   * Serve HTTPS only, with a certificate from a test CA (the local control plane's PKI helper);
   * `requireClientCert` also asks for a client certificate from that CA (mutual TLS).
   */
  tls?: { requireClientCert?: boolean };
  /** Serve another registry's storage (its `storageDir`): tags pushed there over plain HTTP show here. */
  storageDir?: string;
}

/** The binaries directory scripts/provision.sh fills. */
export const testBinDir = registryBinDir;

/** Starts the registry (the project's one starter, src/devenv/oci-registry.ts) with the test's auth and TLS. */
export async function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-registry-'));
  let auth: Record<string, unknown> | undefined;
  if (opts.auth) {
    const htpasswd = path.join(dir, 'htpasswd');
    // bcrypt is the only hash the registry's htpasswd accepts; cost 4 keeps the test fast.
    const hash = bcrypt.hashSync(opts.auth.password, bcrypt.genSaltSync(4));
    await writeFile(htpasswd, `${opts.auth.username}:${hash}\n`, { mode: 0o600 });
    auth = { htpasswd: { realm: 'driftless-test', path: htpasswd } };
  }
  let tokenServer: Server | undefined;
  if (opts.tokenAuth) {
    const token = await startTokenServer(dir, opts.tokenAuth);
    tokenServer = token.server;
    auth = {
      token: {
        realm: `${token.url}/token`,
        service: TokenService,
        issuer: TokenIssuer,
        rootcertbundle: token.certFile,
      },
    };
  }
  let tls: TestRegistry['tls'];
  let serveTls: RegistryOptions['tls'];
  if (opts.tls) {
    const pki = await ensurePki(path.join(dir, 'pki'));
    const [caCert, clientCert, clientKey] = await Promise.all(
      [pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f, 'utf8')),
    );
    tls = { caCert: caCert!, clientCert: clientCert!, clientKey: clientKey! };
    serveTls = {
      certFile: pki.servingCert,
      keyFile: pki.servingKey,
      clientCaFile: opts.tls.requireClientCert ? pki.caCert : undefined,
      probe: { ca: tls.caCert, cert: tls.clientCert, key: tls.clientKey },
    };
  }
  const cleanup = async (): Promise<void> => {
    if (tokenServer) await new Promise((r) => tokenServer.close(r));
    await rm(dir, { recursive: true, force: true });
  };
  let registry: RunningRegistry;
  try {
    registry = await startRegistry({
      dir,
      binDir: opts.binDir,
      bindAddress: opts.bindAddress,
      storageDir: opts.storageDir,
      auth,
      tls: serveTls,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const storageDir = registry.storageDir;
  return {
    host: registry.host,
    storageDir,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    logs: registry.logs,
    ...(tls ? { tls } : {}),
    stop: async () => {
      await registry.stop();
      await cleanup();
    },
  };
}

const TokenService = 'driftless-test-registry';
const TokenIssuer = 'driftless-test-token-issuer';

/**
 * A token server for the registry's `token` auth: GET /token?service&scope with Basic credentials returns
 * `{token}`, an ES256 JWT whose `x5c` header carries a self-signed certificate the registry's
 * rootcertbundle trusts, granting the scope's actions. Wrong or missing credentials get 401.
 */
async function startTokenServer(
  dir: string,
  creds: { username: string; password: string },
): Promise<{ server: Server; url: string; certFile: string }> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=driftless-test-token',
  ]);
  const key = await readFile(keyFile, 'utf8');
  const der = (await readFile(certFile, 'utf8')).replace(/-----[^-]+-----|\s/g, '');
  const expected = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"invalid credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type = '', name = '', actions = ''] = scope.split(':');
      return { type, name, actions: actions.split(',').filter((a) => a) };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', x5c: [der] };
    const claims = {
      iss: TokenIssuer,
      sub: creds.username,
      aud: url.searchParams.get('service') ?? TokenService,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: createHash('sha256').update(randomBytes(16)).digest('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token: `${input}.${b64url(signature)}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, certFile };
}
