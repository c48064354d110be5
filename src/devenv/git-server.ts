// A throwaway smart-HTTP Git server for tests: `git http-backend` behind node:http, with basic/bearer auth and faults.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdtemp, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Ways the test server can misbehave: reply 500, never reply, or destroy the socket. */
export const GitServerFault = { None: 'none', Status500: 'status500', Hang: 'hang', Drop: 'drop' } as const;
export type GitServerFault = (typeof GitServerFault)[keyof typeof GitServerFault];

/** Content of one file in a test commit: text, a symlink, or `null` to delete it. */
export type TestFileContent = string | { symlink: string } | null;

/** One request the server saw, for assertions about protocol and auth. */
export interface GitServerRequest {
  method: string;
  path: string;
  gitProtocol: string | undefined;
  auth: 'none' | 'basic' | 'bearer';
  status: number;
}

/** A running test Git server; `stop()` closes every connection and kills running backends. */
export interface GitServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** URL of a repository created with `createRepo(name)`: `<url>/<name>.git`. */
  repoUrl(name: string): string;
  /** Creates a bare repository `<root>/<name>.git` with one initial commit on `branch` (default `main`). */
  createRepo(name: string, opts?: { files?: Record<string, TestFileContent>; branch?: string }): Promise<void>;
  /** Switches the fault mode for every following request (default `none`). */
  setFault(mode: GitServerFault): void;
  /** Every request answered or dropped so far, oldest first. */
  readonly requests: readonly GitServerRequest[];
  stop(): Promise<void>;
}

/** Options of `startGitServer`; without `username`/`password`/`bearerToken` the server allows anonymous access. */
export interface GitServerOptions {
  /** Directory holding the bare repositories (`GIT_PROJECT_ROOT`). */
  root: string;
  username?: string;
  password?: string;
  bearerToken?: string;
  /** Loopback port; default 0 (a free one). */
  port?: number;
}

const AUTHOR = { name: 'Driftless Test', email: 'test@example.com' } as const;

/** Environment for the helper's own git commands: isolated from the machine's git config, fixed author. */
function helperEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: tmpdir(),
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    ...extra,
  };
}

async function git(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd: opts.cwd, env: opts.env ?? helperEnv() });
  return stdout.trim();
}

function assertRelativePath(p: string): void {
  if (p === '' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
    throw new Error(`test file path '${p}' must be relative and stay inside the work tree`);
  }
}

/** Writes, symlinks or deletes files below `dir`. */
async function writeTree(dir: string, files: Record<string, TestFileContent>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    assertRelativePath(rel);
    const target = path.join(dir, rel);
    await rm(target, { force: true, recursive: true });
    if (content === null) continue;
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof content === 'string') await writeFile(target, content);
    else await symlink(content.symlink, target);
  }
}

/** Creates the bare repository `<root>/<name>.git` (push over HTTP enabled) with one initial commit on `branch`. */
export async function createBareRepo(opts: {
  root: string;
  name: string;
  files?: Record<string, TestFileContent>;
  branch?: string;
}): Promise<string> {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(opts.name) || opts.name.split('/').includes('..')) {
    throw new Error(`repository name '${opts.name}' must be a plain relative path`);
  }
  const branch = opts.branch ?? 'main';
  const bare = path.join(opts.root, `${opts.name}.git`);
  await git(['init', '-q', '--bare', `--initial-branch=${branch}`, '--', bare]);
  await git(['-C', bare, 'config', 'http.receivepack', 'true']);
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-gitseed-'));
  try {
    await git(['init', '-q', `--initial-branch=${branch}`, '--', work]);
    await writeTree(work, opts.files ?? { 'README.md': `# ${opts.name}\n` });
    await git(['add', '-A'], { cwd: work });
    await git(['commit', '-q', '--allow-empty', '-m', 'initial commit'], { cwd: work });
    await git(['push', '-q', '--', bare, `HEAD:refs/heads/${branch}`], { cwd: work });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bare;
}

/** Options of `commitFiles`; `dir` keeps the working copy for reuse, otherwise a temp clone is removed afterwards. */
export interface CommitFilesOptions {
  repoUrl: string;
  username?: string;
  password?: string;
  bearerToken?: string;
  dir?: string;
  /** Branch to commit on (default `main`); created from the default branch when it does not exist yet. */
  branch?: string;
  files: Record<string, TestFileContent>;
  message: string;
  /** Annotated tag to create (or move) on the new commit. */
  tag?: string;
  /** Force-push the branch, e.g. after rewriting history. */
  force?: boolean;
  /** Submodules to add or move: path → URL (as written to `.gitmodules`, may be relative) and the commit to pin. */
  submodules?: Record<string, { url: string; commit: string }>;
}

/** Clones or updates a working copy over HTTP, writes the files, commits, optionally tags, and pushes; returns the commit. */
export async function commitFiles(opts: CommitFilesOptions): Promise<{ sha: string }> {
  const branch = opts.branch ?? 'main';
  const header =
    opts.bearerToken !== undefined
      ? `Authorization: Bearer ${opts.bearerToken}`
      : opts.username !== undefined
        ? `Authorization: Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`
        : undefined;
  // Credentials go through config env so they never show up in argv or the remote URL.
  const env = helperEnv(
    header === undefined
      ? {}
      : { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header },
  );
  const work = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'driftless-gitwork-')));
  try {
    const hasClone = await stat(path.join(work, '.git')).then(
      () => true,
      () => false,
    );
    if (hasClone) await git(['fetch', '-q', '--prune', '--force', '--tags', 'origin'], { cwd: work, env });
    else await git(['clone', '-q', '--', opts.repoUrl, work], { env });
    const remoteHas = await git(['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}`], { cwd: work, env })
      .then(() => true)
      .catch(() => false);
    await git(['checkout', '-q', '-f', '-B', branch, ...(remoteHas ? [`origin/${branch}`] : [])], { cwd: work, env });
    await git(['clean', '-q', '-f', '-d'], { cwd: work, env });
    await writeTree(work, opts.files);
    for (const [sub, { url }] of Object.entries(opts.submodules ?? {})) {
      assertRelativePath(sub);
      await git(['config', '-f', '.gitmodules', `submodule.${sub}.path`, sub], { cwd: work, env });
      await git(['config', '-f', '.gitmodules', `submodule.${sub}.url`, url], { cwd: work, env });
    }
    await git(['add', '-A'], { cwd: work, env });
    // A gitlink (mode 160000) pins the submodule's commit without cloning it here.
    for (const [sub, { commit }] of Object.entries(opts.submodules ?? {})) {
      await git(['update-index', '--add', '--cacheinfo', `160000,${commit},${sub}`], { cwd: work, env });
    }
    await git(['commit', '-q', '--allow-empty', '-m', opts.message], { cwd: work, env });
    const refspecs = [`${opts.force ? '+' : ''}HEAD:refs/heads/${branch}`];
    if (opts.tag !== undefined) {
      await git(['tag', '-f', '-a', '-m', opts.tag, '--', opts.tag], { cwd: work, env });
      refspecs.push(`+refs/tags/${opts.tag}:refs/tags/${opts.tag}`);
    }
    await git(['push', '-q', 'origin', ...refspecs], { cwd: work, env });
    return { sha: await git(['rev-parse', 'HEAD'], { cwd: work, env }) };
  } finally {
    if (opts.dir === undefined) await rm(work, { recursive: true, force: true });
  }
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Checks the Authorization header against the configured credentials; `user` becomes REMOTE_USER. */
function authorize(
  header: string | undefined,
  opts: GitServerOptions,
): { ok: boolean; kind: GitServerRequest['auth']; user?: string } {
  const needsAuth = opts.username !== undefined || opts.password !== undefined || opts.bearerToken !== undefined;
  const [scheme = '', value = ''] = (header ?? '').split(' ', 2);
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString();
    const sep = decoded.indexOf(':');
    const user = sep < 0 ? decoded : decoded.slice(0, sep);
    const pass = sep < 0 ? '' : decoded.slice(sep + 1);
    const configured = opts.username !== undefined || opts.password !== undefined;
    const ok =
      !needsAuth || (configured && safeEqual(user, opts.username ?? '') && safeEqual(pass, opts.password ?? ''));
    return { ok, kind: 'basic', user };
  }
  if (scheme.toLowerCase() === 'bearer') {
    const ok = !needsAuth || (opts.bearerToken !== undefined && safeEqual(value, opts.bearerToken));
    return { ok, kind: 'bearer', user: 'token' };
  }
  return { ok: !needsAuth, kind: 'none' };
}

/** Starts the server on 127.0.0.1; every repository under `root` is exported, push included. */
export async function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  let fault: GitServerFault = GitServerFault.None;
  const requests: GitServerRequest[] = [];
  const backends = new Set<ChildProcess>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const protocolHeader = req.headers['git-protocol'];
    const gitProtocol = Array.isArray(protocolHeader) ? protocolHeader.join(':') : protocolHeader;
    const auth = authorize(req.headers.authorization, opts);
    const record = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, gitProtocol, auth: auth.kind, status });
    };
    if (fault === GitServerFault.Hang) return record(0);
    if (fault === GitServerFault.Drop) {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault === GitServerFault.Status500) {
      record(500);
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('injected fault\n');
      return;
    }
    if (!auth.ok) {
      record(401);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const env: NodeJS.ProcessEnv = {
      ...helperEnv(),
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    };
    if (auth.user !== undefined && auth.kind !== 'none') env.REMOTE_USER = auth.user;
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    // http-backend must inflate gzip request bodies itself, and needs the protocol header to speak v2.
    if (req.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (gitProtocol !== undefined) env.GIT_PROTOCOL = env.HTTP_GIT_PROTOCOL = gitProtocol;
    runBackend(req, res, env, backends, record);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    repoUrl: (name) => `${baseUrl}/${name}.git`,
    createRepo: async (name, repoOpts) => {
      await createBareRepo({ root: opts.root, name, ...repoOpts });
    },
    setFault: (mode) => {
      fault = mode;
    },
    requests,
    stop: async () => {
      for (const child of backends) child.kill('SIGKILL');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Runs one CGI request through `git http-backend`, translating its `Status:` and headers into the HTTP reply. */
function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  env: NodeJS.ProcessEnv,
  backends: Set<ChildProcess>,
  record: (status: number) => void,
): void {
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  backends.add(child);
  let stderr = '';
  let head = Buffer.alloc(0);
  let headersSent = false;
  const fail = (why: string): void => {
    if (headersSent || res.headersSent) return void res.destroy();
    headersSent = true;
    record(500);
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend failed: ${why}\n`);
  };
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const sep = line.indexOf(':');
      if (sep <= 0) continue;
      const name = line.slice(0, sep).trim();
      const value = line.slice(sep + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else headers[name] = value;
    }
    headersSent = true;
    record(status);
    res.writeHead(status, headers);
    res.write(head.subarray(end));
    child.stdout.off('data', onData);
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4096);
  });
  // The client may hang up early; a closed pipe is then expected and must not crash the test process.
  child.stdin.on('error', (err) => {
    stderr += `stdin: ${err.message}`;
  });
  child.on('error', (err) => fail(err.message));
  child.on('close', (code) => {
    backends.delete(child);
    if (!headersSent) fail(`exit ${code ?? 'signal'}: ${stderr.trim()}`);
  });
  res.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  req.pipe(child.stdin);
}
