// Reading a registry's HTTP responses: bounded bodies, distribution-spec error bodies, pagination links,
// and transport errors as OciErrors. Used by RegistryClient.
import { formatBytes } from '../../artifacts/errors.ts';
import { OciRegistryError, type OciError } from './errors.ts';

export function contentType(res: Response): string | undefined {
  return res.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

/** `CODE: message` of each entry of a distribution-spec error body, or '' when the body is not one. */
export async function registryErrors(res: Response): Promise<string> {
  let text: string;
  try {
    text = (await readCapped(res, 64 * 1024, 'error body')).toString('utf8');
  } catch {
    return '';
  }
  try {
    const doc = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const parts = (doc.errors ?? []).map((e) =>
      [e.code, e.message].filter((x): x is string => typeof x === 'string' && x !== '').join(': '),
    );
    return parts.filter((p) => p !== '').join('; ');
  } catch {
    return '';
  }
}

/** Reads a response body up to `max` bytes; OciRegistryError above. */
export async function readCapped(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await discard(res);
    throw new OciRegistryError(`${what} is ${declared} bytes, above the ${formatBytes(max)} limit`);
  }
  const chunks: Buffer[] = [];
  let seen = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    seen += chunk.length;
    if (seen > max) throw new OciRegistryError(`${what} is larger than the ${formatBytes(max)} limit`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already consumed or aborted: nothing to release.
  }
}

/** The `rel="next"` target of a Link header, resolved against the current URL. */
export function nextLink(header: string | null, current: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/.test(m[2] ?? '')) return new URL(m[1] ?? '', current).toString();
  }
  return undefined;
}

export function networkError(method: string, url: string, err: unknown, signal: AbortSignal | undefined): OciError {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return new OciRegistryError(`${method} ${url}: ${timedOut ? 'timed out' : 'aborted'}`, undefined, { cause: err });
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error).message;
  return new OciRegistryError(`${method} ${url}: ${detail}`, undefined, { cause: err });
}
