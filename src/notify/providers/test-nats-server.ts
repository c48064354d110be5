// Starts the real nats-server built by scripts/provision.sh (target `nats`) for the nats provider tests.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/** A running server: its `nats://` URL and a stop function. */
export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

/** The nats-server binary (honours DRIFTLESS_CACHE like scripts/provision.sh). */
export function natsServerBinary(): string {
  const cache = process.env['DRIFTLESS_CACHE'] ?? path.join(homedir(), '.cache', 'driftless');
  return path.join(cache, 'bin', 'nats-server');
}

/** Runs nats-server on a free loopback port with `config` (nats-server configuration syntax). */
export async function startNatsServer(config: string): Promise<NatsServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-nats-'));
  const conf = path.join(dir, 'nats.conf');
  await writeFile(conf, config);
  const child = spawn(natsServerBinary(), ['-c', conf, '-a', '127.0.0.1', '-p', '-1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      log += c.toString();
      const m = /Listening for client connections on ([\d.]+:\d+)/.exec(log);
      if (m) resolve(`nats://${m[1]}`);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
