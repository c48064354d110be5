// A real S3 server for tests and local loops: versitygw (built by scripts/provision.sh) with its posix
// backend over a temporary directory, on a loopback port, enforcing Signature V4 with one root key pair.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientOptions } from '../sources/bucket/s3-client.ts';
import { abortableSleep } from '../util/sleep.ts';
import { pickPorts } from './control-plane/ports.ts';

/** Options of `startS3Server`. */
export interface S3ServerOptions {
  /** Directory holding `versitygw`; default `$DRIFTLESS_CACHE/bin` (or `~/.cache/driftless/bin`). */
  binDir?: string;
  /** Root access key; random when absent. */
  accessKey?: string;
  /** Root secret key; random when absent. */
  secretKey?: string;
  /** Serve HTTPS with this PEM certificate and key instead of plain HTTP; `caFile` is what clients trust (default the certificate). */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Region the server signs for (default `us-east-1`). */
  region?: string;
}

/** A running versitygw. */
export interface S3Server {
  /** `127.0.0.1:<port>`, as a Bucket's `spec.endpoint`. */
  endpoint: string;
  /** True when served over plain HTTP (a Bucket needs `spec.insecure: true`). */
  insecure: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The posix backend's root: one directory per bucket. */
  dataDir: string;
  /** A client with the root keys (`extra` adds a CA bundle and the like). */
  client(extra?: Partial<S3ClientOptions>): S3Client;
  /** Creates a bucket and uploads `objects` (key → content) into it. */
  createBucket(name: string, objects?: Record<string, string>): Promise<void>;
  /** Uploads (or replaces) objects; returns key → ETag. */
  put(bucket: string, objects: Record<string, string>): Promise<Record<string, string>>;
  /** Deletes objects. */
  remove(bucket: string, keys: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Where provision.sh puts versitygw. */
export function defaultBinDir(): string {
  const cache = process.env['DRIFTLESS_CACHE'] ?? path.join(os.homedir(), '.cache', 'driftless');
  return path.join(cache, 'bin');
}

/**
 * Starts versitygw on a free loopback port with a fresh posix root and waits until it answers S3
 * requests; rejects (with the server's output) when the binary is missing or the server exits early.
 */
export async function startS3Server(opts: S3ServerOptions = {}): Promise<S3Server> {
  const bin = path.join(opts.binDir ?? defaultBinDir(), 'versitygw');
  const root = await mkdtemp(path.join(os.tmpdir(), 'driftless-s3-'));
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir);
  const accessKey = opts.accessKey ?? `AK${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretKey = opts.secretKey ?? randomBytes(20).toString('base64url');
  const region = opts.region ?? 'us-east-1';
  const [port] = await pickPorts(1);
  const endpoint = `127.0.0.1:${port}`;
  const logFile = path.join(root, 'versitygw.log');
  const args = ['--port', endpoint, '--region', region, '--quiet'];
  if (opts.tls) args.push('--cert', opts.tls.certFile, '--key', opts.tls.keyFile);
  args.push('posix', dataDir);
  const log = createWriteStream(logFile);
  // The keys go through the environment, never the command line other users can read.
  const child: ChildProcess = spawn(bin, args, {
    env: { PATH: process.env['PATH'] ?? '', ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | undefined;
  child.once('error', (err) => (exited = err.message));
  child.once('exit', (code, signal) => (exited ??= `exited with ${signal ?? `code ${code}`}`));

  const insecure = opts.tls === undefined;
  const client = (extra: Partial<S3ClientOptions> = {}): S3Client =>
    new S3Client({
      endpoint,
      insecure,
      region,
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
      ...extra,
    });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    log.end();
    await rm(root, { recursive: true, force: true });
  };

  // Ready when it answers a signed HEAD (the probe bucket does not exist: false is the expected answer).
  const probe = client(opts.tls ? { ca: await readFile(opts.tls.caFile ?? opts.tls.certFile, 'utf8') } : {});
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (exited !== undefined)
        throw new Error(`versitygw ${exited}: ${await readFile(logFile, 'utf8').catch(() => '')}`);
      try {
        await probe.bucketExists('driftless-ready-probe', AbortSignal.timeout(2000));
        break;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`versitygw did not answer on ${endpoint}: ${(err as Error).message}`);
        await abortableSleep(100, AbortSignal.timeout(1000));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.close();
  }

  const withClient = async <T>(fn: (c: S3Client) => Promise<T>): Promise<T> => {
    const c = client(opts.tls ? { ca: await readFile(opts.tls.caFile ?? opts.tls.certFile, 'utf8') } : {});
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  };
  const put = (bucket: string, objects: Record<string, string>): Promise<Record<string, string>> =>
    withClient(async (c) => {
      const etags: Record<string, string> = {};
      for (const [key, body] of Object.entries(objects)) etags[key] = await c.putObject(bucket, key, body);
      return etags;
    });
  return {
    endpoint,
    insecure,
    accessKey,
    secretKey,
    region,
    dataDir,
    client,
    createBucket: async (name, objects = {}) => {
      await withClient((c) => c.createBucket(name));
      await put(name, objects);
    },
    put,
    remove: (bucket, keys) =>
      withClient(async (c) => {
        for (const key of keys) await c.deleteObject(bucket, key);
      }),
    stop,
  };
}
