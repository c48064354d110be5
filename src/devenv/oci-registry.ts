// A local OCI registry: `registry` from the distribution v3 Go module (built by scripts/provision.sh
// registry), on a loopback port, filesystem storage. The one registry starter of the project: the tests
// (test/support/oci-registry.ts adds htpasswd, a token server and TLS on top) and `driftless dev --images`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/** Options of `startRegistry`. */
export interface RegistryOptions {
  /** Directory for the configuration (and the storage unless `storageDir`); created, never removed. */
  dir: string;
  /** Where the binary is; default `$DRIFTLESS_CACHE/bin` or ~/.cache/driftless/bin. */
  binDir?: string | undefined;
  /** Address to listen on (default 127.0.0.1). */
  bindAddress?: string | undefined;
  /** Storage root of the filesystem driver; default `<dir>/storage`. */
  storageDir?: string | undefined;
  /** The configuration's `auth` section (htpasswd or token), prepared by the caller. */
  auth?: Record<string, unknown> | undefined;
  /** Serve HTTPS only with these PEM files; `clientCaFile` also asks for client certificates. */
  tls?:
    | {
        certFile: string;
        keyFile: string;
        clientCaFile?: string | undefined;
        /** PEM contents the readiness probe uses: the CA, and a client certificate when one is required. */
        probe: { ca: string; cert?: string | undefined; key?: string | undefined };
      }
    | undefined;
}

/** A running registry. */
export interface RunningRegistry {
  /** `<bindAddress>:<port>`, the host part of image references. */
  host: string;
  storageDir: string;
  /** The registry's stderr so far, for failure messages. */
  logs(): string;
  /** Stops the process (the caller removes `dir`). */
  stop(): Promise<void>;
}

/** The binaries directory scripts/provision.sh fills. */
export function registryBinDir(): string {
  const cache = process.env['DRIFTLESS_CACHE'] ?? path.join(homedir(), '.cache', 'driftless');
  return path.join(cache, 'bin');
}

/** Starts the registry and waits until `/v2/` answers (200, or 401 with auth); fails with its stderr. */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  await mkdir(opts.dir, { recursive: true });
  const storageDir = opts.storageDir ?? path.join(opts.dir, 'storage');
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const host = `${bindAddress}:${await freePort(bindAddress)}`;
  const http: Record<string, unknown> = { addr: host, secret: randomBytes(16).toString('hex') };
  if (opts.tls)
    http['tls'] = {
      certificate: opts.tls.certFile,
      key: opts.tls.keyFile,
      ...(opts.tls.clientCaFile ? { clientcas: [opts.tls.clientCaFile] } : {}),
    };
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
    http,
    ...(opts.auth ? { auth: opts.auth } : {}),
  };
  const configPath = path.join(opts.dir, 'config.yml');
  await writeFile(configPath, stringify(config), { mode: 0o600 });
  const bin = path.join(opts.binDir ?? registryBinDir(), 'registry');
  let stderr = '';
  const child: ChildProcess = spawn(bin, ['serve', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: opts.dir, OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none' },
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`cannot start ${bin}: ${err.message}; run scripts/provision.sh registry`)),
    );
    child.once('exit', (code) => reject(new Error(`registry exited with code ${code}: ${stderr}`)));
  });
  exited.catch(() => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
  };
  try {
    await Promise.race([waitUntilServing(`${opts.tls ? 'https' : 'http'}://${host}/v2/`, opts.tls?.probe), exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, storageDir, logs: () => stderr, stop };
}

async function freePort(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilServing(url: string, tls?: { ca: string; cert?: string; key?: string }): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const status = tls
        ? await new Promise<number>((resolve, reject) => {
            const req = httpsGet(url, { ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.once('error', reject);
          })
        : await fetch(url).then(async (res) => {
            await res.body?.cancel();
            return res.status;
          });
      if (status === 200 || status === 401) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not answer within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
