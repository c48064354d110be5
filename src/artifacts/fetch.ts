// Consumer side: download an artifact, verify its digest, then extract it safely.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { retry } from '../util/retry.ts';
import { parseDigest } from './digest.ts';
import {
  ArtifactDigestError,
  ArtifactFetchError,
  ArtifactNotFoundError,
  ArtifactUnpackError,
  formatBytes,
} from './errors.ts';
import { UnsafeArchiveError, untarSafe } from './untar.ts';

/** Defaults of `fetchArtifact`, mirroring kustomize-controller's fetcher. */
export const FETCH_DEFAULTS = {
  /** Download cap in bytes (Flux: 100 MiB). */
  maxBytes: 100 * 1024 * 1024,
  /** Cap on the decompressed tarball in bytes (Flux: 100 MiB). */
  maxUntarBytes: 100 * 1024 * 1024,
  /** Per-attempt timeout. */
  timeoutMs: 60_000,
  /** Extra attempts after the first, for network errors, timeouts, 429 and 5xx. */
  retries: 3,
  /** First backoff delay; doubles per attempt up to 10 s. */
  retryDelayMs: 500,
} as const;

/** Options of `fetchArtifact`. */
export interface FetchArtifactOptions {
  /** `status.artifact.url` of the source. */
  url: string;
  /** `status.artifact.digest`, `sha256:<hex>`. */
  digest: string;
  /** Directory to extract into; created if missing, must be empty. On failure it is emptied again. */
  dest: string;
  maxBytes?: number;
  maxUntarBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
  /** Where the download is staged before verification (default `os.tmpdir()`). */
  tmpDir?: string;
}

/**
 * Downloads `url` (GET, bounded retries with backoff), checks it against `digest`, then extracts it
 * into `dest` with `untarSafe`. Throws `ArtifactNotFoundError` on 404, `ArtifactDigestError` on a
 * mismatch, `ArtifactUnpackError` for unsafe or oversized archives (leaving `dest` empty), and
 * `ArtifactFetchError` for other download failures; an aborted `signal` rejects with its reason.
 */
export async function fetchArtifact(opts: FetchArtifactOptions): Promise<void> {
  const expected = parseDigest(opts.digest);
  if (expected === undefined || expected.algorithm !== 'sha256') {
    throw new ArtifactDigestError(
      opts.url,
      `artifact ${opts.url} has digest "${opts.digest}"; only sha256:<hex> is supported`,
    );
  }
  await prepareDest(opts.url, opts.dest);
  const staging = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'driftless-artifact-'));
  try {
    const file = path.join(staging, 'artifact.tar.gz');
    const actual = await downloadWithRetries(opts, file);
    if (actual !== opts.digest.toLowerCase()) {
      throw new ArtifactDigestError(opts.url, `artifact ${opts.url} has digest ${actual}, expected ${opts.digest}`);
    }
    await extract(opts, file);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function prepareDest(url: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  // Refusing a non-empty dest is what makes emptying it on failure safe.
  if ((await readdir(dest)).length > 0) {
    throw new ArtifactUnpackError(url, `cannot extract artifact ${url}: destination ${dest} is not empty`);
  }
}

async function extract(opts: FetchArtifactOptions, file: string): Promise<void> {
  try {
    await untarSafe({
      source: createReadStream(file),
      dest: opts.dest,
      maxBytes: opts.maxUntarBytes ?? FETCH_DEFAULTS.maxUntarBytes,
    });
  } catch (err) {
    await emptyDir(opts.dest);
    const detail = err instanceof UnsafeArchiveError ? err.message : `archive is malformed: ${(err as Error).message}`;
    throw new ArtifactUnpackError(opts.url, `cannot extract artifact ${opts.url}: ${detail}`, { cause: err });
  }
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** Marks a failure worth another attempt. */
class RetryableError extends ArtifactFetchError {}

async function downloadWithRetries(opts: FetchArtifactOptions, file: string): Promise<string> {
  let tried = 0;
  try {
    return await retry(
      async (attempt) => {
        tried = attempt;
        try {
          return await downloadOnce(opts, file);
        } catch (err) {
          // An abort wins over whatever the interrupted download reported.
          opts.signal?.throwIfAborted();
          throw err;
        }
      },
      {
        attempts: Math.max(0, opts.retries ?? FETCH_DEFAULTS.retries) + 1,
        baseDelayMs: opts.retryDelayMs ?? FETCH_DEFAULTS.retryDelayMs,
        maxDelayMs: 10_000,
        signal: opts.signal,
        retryable: (err) => err instanceof RetryableError,
      },
    );
  } catch (err) {
    if (!(err instanceof RetryableError)) throw err;
    throw new ArtifactFetchError(opts.url, `${err.message} (gave up after ${tried} attempts)`, { cause: err });
  }
}

async function downloadOnce(opts: FetchArtifactOptions, file: string): Promise<string> {
  const maxBytes = opts.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? FETCH_DEFAULTS.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const prefix = `cannot download artifact ${opts.url}`;
  let res: Response;
  try {
    res = await fetch(opts.url, { signal });
  } catch (err) {
    opts.signal?.throwIfAborted();
    throw new RetryableError(opts.url, `${prefix}: ${describe(err)}`, { cause: err });
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new ArtifactNotFoundError(
      opts.url,
      `artifact ${opts.url} not found (HTTP 404); the source may not have stored it yet`,
    );
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    const ErrorClass = res.status === 429 || res.status >= 500 ? RetryableError : ArtifactFetchError;
    throw new ErrorClass(opts.url, `${prefix}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body.cancel();
    throw new ArtifactFetchError(
      opts.url,
      `${prefix}: size ${declared} bytes exceeds the ${formatBytes(maxBytes)} download limit`,
    );
  }
  const hash = createHash('sha256');
  const handle = await open(file, 'w', 0o600);
  let received = 0;
  try {
    for await (const chunk of res.body) {
      received += chunk.length;
      if (received > maxBytes) {
        throw new ArtifactFetchError(opts.url, `${prefix}: body exceeds the ${formatBytes(maxBytes)} download limit`);
      }
      hash.update(chunk);
      await handle.write(chunk);
    }
  } catch (err) {
    if (err instanceof ArtifactFetchError) throw err;
    opts.signal?.throwIfAborted();
    throw new RetryableError(opts.url, `${prefix}: ${describe(err)}`, { cause: err });
  } finally {
    await handle.close();
  }
  return `sha256:${hash.digest('hex')}`;
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${(err as Error).message ?? String(err)}${cause}`;
}
