// A throwaway SSH Git server for tests: Debian's sshd on a loopback port, key-only auth, generated host key.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { retry } from '../util/retry.ts';

const execFileAsync = promisify(execFile);

/** Options of `startSshGitServer`. */
export interface SshGitServerOptions {
  /** Directory holding the bare repositories; `repoUrl(name)` points at `<root>/<name>.git`. */
  root: string;
  /** The one public key (an `authorized_keys` line) allowed to log in. */
  authorizedKey: string;
  /** sshd binary; default `/usr/sbin/sshd` (installed by `scripts/provision.sh debs`). */
  sshdPath?: string;
  /** Milliseconds to wait for sshd to greet; default 10000. */
  startTimeoutMs?: number;
}

/** A running sshd; `stop()` terminates it and removes its temp dir. */
export interface SshGitServer {
  port: number;
  /** `ssh://<user>@127.0.0.1:<port>/<abs root>/<name>.git`. */
  repoUrl(name: string): string;
  /** A known_hosts line for the generated host key, `[127.0.0.1]:<port> ssh-ed25519 …`. */
  knownHosts: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves true once something on the port sends an SSH banner, false on refusal or silence. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('SSH-')));
    socket.once('error', () => done(false));
  });
}

function sshdConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_ed25519_key')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    // Tests run as root in the container; key-only root login keeps that working without opening passwords.
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // Lets git negotiate protocol v2 over SSH.
    'AcceptEnv GIT_PROTOCOL',
    'UseDNS no',
    'PrintMotd no',
    'PermitTTY no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/** Starts sshd on a free 127.0.0.1 port accepting only `authorizedKey`; fails with sshd's stderr if it does not come up. */
export async function startSshGitServer(opts: SshGitServerOptions): Promise<SshGitServer> {
  const sshd = opts.sshdPath ?? '/usr/sbin/sshd';
  await access(sshd, constants.X_OK).catch((err: unknown) => {
    throw new Error(`sshd not found at ${sshd}; install openssh-server with 'scripts/provision.sh debs'`, {
      cause: err,
    });
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-sshd-'));
  try {
    const hostKey = path.join(dir, 'host_ed25519_key');
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'driftless-test-host', '-f', hostKey]);
    const hostPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    await writeFile(path.join(dir, 'authorized_keys'), `${opts.authorizedKey.trim()}\n`, { mode: 0o600 });
    // sshd refuses to start as root without its privilege-separation directory.
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const user = userInfo().username;
    // Another process may grab the free port between probe and bind; retry on a fresh port then.
    const { port, child } = await retry(
      async () => {
        const port = await freePort();
        const configPath = path.join(dir, 'sshd_config');
        await writeFile(configPath, sshdConfig(dir, port), { mode: 0o600 });
        const started = await launch(sshd, configPath, port, opts.startTimeoutMs ?? 10_000);
        if ('error' in started) throw new SshdStartError(started.error);
        return { port, child: started.child };
      },
      { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, retryable: (err) => err instanceof SshdStartError },
    );
    return {
      port,
      repoUrl: (name) => `ssh://${user}@127.0.0.1:${port}${path.resolve(opts.root, `${name}.git`)}`,
      knownHosts: `[127.0.0.1]:${port} ${hostPub}`,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** sshd did not come up (its stderr is the message); worth another try on another port. */
class SshdStartError extends Error {
  override readonly name = 'SshdStartError';
  constructor(stderr: string) {
    super(`sshd did not start: ${stderr}`);
  }
}

/** Spawns sshd in the foreground and waits until it greets, exits, or the start timeout passes. */
async function launch(
  sshd: string,
  configPath: string,
  port: number,
  timeoutMs: number,
): Promise<{ child: ChildProcess } | { error: string }> {
  const child = spawn(sshd, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const pollMs = 50;
  for (let waited = 0; waited < timeoutMs; waited += pollMs) {
    if (spawnError !== undefined) return { error: spawnError.message };
    if (child.exitCode !== null || child.signalCode !== null) return { error: stderr.trim() || 'sshd exited' };
    if (await greets(port)) return { child };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  child.kill('SIGKILL');
  return { error: `no SSH banner on port ${port} after ${timeoutMs}ms: ${stderr.trim()}` };
}
