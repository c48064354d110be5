// Turns GitRepository secret data into git environment: config-by-env headers and 0600 temp files, never argv.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitOperationError } from './errors.ts';
import { writeSshKey } from './ssh-key.ts';

/** Credentials from a GitRepository `secretRef` (Flux keys: username/password, bearerToken, identity, known_hosts, ca.crt). */
export interface GitAuth {
  username?: string;
  password?: string;
  /** Sent as `Authorization: Bearer …`; wins over username/password like in Flux. */
  bearerToken?: string;
  /** SSH private key (PEM/OpenSSH); for an ssh:// URL `password` is its passphrase, as in Flux. */
  identity?: string;
  /** known_hosts lines for SSH; without them every SSH host key is rejected. */
  knownHosts?: string;
  /** PEM CA bundle for HTTPS; it replaces the system bundle for this fetch (git `http.sslCAInfo`). */
  caCert?: string;
}

/** An HTTP(S) proxy for the Git server (a GitRepository's `proxySecretRef`: address, username, password). */
export interface GitProxy {
  /** `http://host:port` or `https://host:port`. */
  address: string;
  username?: string;
  password?: string;
}

/** Environment additions for git plus the secret strings to scrub from any output. */
export interface PreparedAuth {
  env: Record<string, string>;
  secrets: string[];
}

/** Quotes a path for the `sh -c` that git uses to run GIT_SSH_COMMAND; our paths come from mkdtemp. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Writes credential files into `dir` (a private 0700 temp dir the caller removes) and returns git's env for `url`. */
export async function prepareGitAuth(opts: {
  url: URL;
  auth?: GitAuth;
  proxy?: GitProxy;
  dir: string;
  signal?: AbortSignal;
}): Promise<PreparedAuth> {
  const auth = opts.auth ?? {};
  const config: [string, string][] = [];
  const secrets: string[] = [];
  const env: Record<string, string> = {};
  for (const value of [auth.password, auth.bearerToken, auth.identity]) {
    if (value !== undefined && value !== '') secrets.push(value);
  }
  if (opts.url.protocol === 'http:' || opts.url.protocol === 'https:') {
    let header: string | undefined;
    if (auth.bearerToken !== undefined && auth.bearerToken !== '') {
      header = `Authorization: Bearer ${auth.bearerToken}`;
    } else if ((auth.username ?? '') !== '' || (auth.password ?? '') !== '') {
      const basic = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
      secrets.push(basic);
      header = `Authorization: Basic ${basic}`;
    }
    // GIT_CONFIG_KEY/VALUE env keeps the header out of argv, where any local user could read it in /proc.
    // Scoped to the repository's scheme, host and port: submodules elsewhere never receive it.
    if (header !== undefined) config.push([`http.${opts.url.protocol}//${opts.url.host}/.extraHeader`, header]);
    if (auth.caCert !== undefined && auth.caCert !== '') {
      const caFile = path.join(opts.dir, 'ca.crt');
      await writeFile(caFile, auth.caCert, { mode: 0o600 });
      config.push(['http.sslCAInfo', caFile]);
    }
  }
  if (opts.proxy !== undefined) {
    if (opts.url.protocol !== 'http:' && opts.url.protocol !== 'https:') {
      throw new GitOperationError(
        `a proxy is supported for http and https Git URLs only, not '${opts.url.protocol}'; remove spec.proxySecretRef or use an https URL`,
      );
    }
    const proxy = new URL(opts.proxy.address);
    if ((opts.proxy.username ?? '') !== '' || (opts.proxy.password ?? '') !== '') {
      proxy.username = encodeURIComponent(opts.proxy.username ?? '');
      proxy.password = encodeURIComponent(opts.proxy.password ?? '');
      if (opts.proxy.password) secrets.push(opts.proxy.password, proxy.password);
      // Send the credentials with the first request instead of waiting for a 407.
      config.push(['http.proxyAuthMethod', 'basic']);
    }
    // Through the environment, like the other credentials: the proxy password never reaches argv.
    config.push(['http.proxy', proxy.toString()]);
  }
  if (opts.url.protocol === 'ssh:') {
    const knownHostsFile = path.join(opts.dir, 'known_hosts');
    await writeFile(knownHostsFile, withNewline(auth.knownHosts ?? ''), { mode: 0o600 });
    const ssh = [
      'ssh',
      // Ignore ~/.ssh/config, agents and default keys of the user the engine runs as.
      '-F /dev/null',
      '-o IdentitiesOnly=yes',
      '-o IdentityAgent=none',
      `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
      '-o GlobalKnownHostsFile=/dev/null',
      '-o StrictHostKeyChecking=yes',
      '-o BatchMode=yes',
      '-o PasswordAuthentication=no',
      '-o KbdInteractiveAuthentication=no',
    ];
    if (auth.identity !== undefined && auth.identity !== '') {
      const keyFile = path.join(opts.dir, 'identity');
      // ssh rejects keys without a final newline and keys readable by others; BatchMode cannot prompt for
      // a passphrase, so a protected key is decrypted into the private dir first.
      await writeSshKey({
        file: keyFile,
        key: auth.identity,
        passphrase: auth.password,
        what: "the SSH key in the Secret's 'identity'",
        signal: opts.signal,
      });
      ssh.push(`-i ${shellQuote(keyFile)}`);
    } else {
      // An explicit (missing) identity file stops ssh from falling back to ~/.ssh/id_*.
      ssh.push(`-o IdentityFile=${shellQuote(path.join(opts.dir, 'no-identity'))}`);
    }
    env.GIT_SSH_COMMAND = ssh.join(' ');
    env.GIT_SSH_VARIANT = 'ssh';
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return { env, secrets };
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** GitAuth from a GitRepository `secretRef` Secret's data (Flux's keys). */
export function gitAuthFromSecret(data: Readonly<Record<string, string>>): GitAuth {
  const keys = [
    ['username', 'username'],
    ['password', 'password'],
    ['bearerToken', 'bearerToken'],
    ['identity', 'identity'],
    ['known_hosts', 'knownHosts'],
    ['ca.crt', 'caCert'],
  ] as const;
  const auth: GitAuth = {};
  for (const [key, field] of keys) if (data[key] !== undefined) auth[field] = data[key];
  return auth;
}

/** GitProxy from a `proxySecretRef` Secret's data (`address`, `username`, `password`); throws saying what is wrong. */
export function gitProxyFromSecret(data: Readonly<Record<string, string>>, secret: string): GitProxy {
  const address = data['address'];
  if (address === undefined) throw new Error(`secret '${secret}': key 'address' not found`);
  if (address === '') throw new Error(`secret '${secret}': proxy address is empty`);
  if (!URL.canParse(address) || !/^https?:$/.test(new URL(address).protocol)) {
    throw new Error(`secret '${secret}': the proxy address must be an http:// or https:// URL`);
  }
  return {
    address,
    ...(data['username'] !== undefined ? { username: data['username'] } : {}),
    ...(data['password'] !== undefined ? { password: data['password'] } : {}),
  };
}
