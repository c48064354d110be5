// A local OCI registry process: `registry` from the distribution v3 Go module (scripts/provision.sh
// registry) with a config of the caller's making, started, probed until it serves and stopped. The tests'
// starter (test/support/oci-registry.ts: htpasswd, token auth, TLS) and `driftless dev --oci` (plain HTTP
// on loopback) both run it through here.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { defaultBinDir } from './s3-server.ts';

/** A running registry process. */
export interface RegistryProcess {
  /** The registry's stderr so far (the last 20,000 characters), for failure messages. */
  logs(): string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options of `spawnRegistry`. */
export interface SpawnRegistryOptions {
  /** Where `config.yml` is written; also the process's HOME. */
  dir: string;
  /** The registry's configuration (distribution's config.yml as an object). */
  config: Record<string, unknown>;
  /** Directory holding `registry`; default `$DRIFTLESS_CACHE/bin` or ~/.cache/driftless/bin. */
  binDir?: string;
  /** Resolves once the registry serves; rejecting or a process exit fails the start. */
  ready: () => Promise<void>;
}

/** Starts `registry serve` with `config`; rejects (and stops it) when it exits or `ready` fails first. */
export async function spawnRegistry(opts: SpawnRegistryOptions): Promise<RegistryProcess> {
  const configPath = path.join(opts.dir, 'config.yml');
  await writeFile(configPath, stringify(opts.config));
  const bin = path.join(opts.binDir ?? defaultBinDir(), 'registry');
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
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  };
  try {
    await Promise.race([opts.ready(), exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { logs: () => stderr, stop };
}

/** A free TCP port on `address` (the registry must be told its port up front). */
export async function freePort(address: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` until it answers 200 or 401 (a registry's `/v2/`); `status` makes one request. */
export async function waitForRegistry(url: string, status: () => Promise<number>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const code = await status();
      if (code === 200 || code === 401) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A plain-HTTP registry on loopback, anonymous, storing under `dir` (`driftless dev --oci`). */
export async function startLocalRegistry(opts: { dir: string; binDir?: string }): Promise<{
  host: string;
  stop(): Promise<void>;
}> {
  await mkdir(opts.dir, { recursive: true });
  const host = `127.0.0.1:${await freePort('127.0.0.1')}`;
  const url = `http://${host}/v2/`;
  const proc = await spawnRegistry({
    dir: opts.dir,
    ...(opts.binDir ? { binDir: opts.binDir } : {}),
    config: {
      version: 0.1,
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: path.join(opts.dir, 'storage') }, delete: { enabled: true } },
      http: { addr: host, secret: randomBytes(16).toString('hex') },
    },
    ready: () =>
      waitForRegistry(url, async () => {
        const res = await fetch(url);
        await res.body?.cancel();
        return res.status;
      }),
  });
  return { host, stop: proc.stop };
}
