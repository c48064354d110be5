// Artifact digests in Flux's `<algorithm>:<hex>` form.
import { createHash } from 'node:crypto';

/** Flux's digest syntax (`apis/meta/artifact.go`): `<algo>:<encoded>`. */
export const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Returns `sha256:<hex>` of the bytes; resolves it from a stream (read to the end) when given one. */
export function sha256Digest(data: Uint8Array): string;
export function sha256Digest(data: AsyncIterable<Uint8Array>): Promise<string>;
export function sha256Digest(data: Uint8Array | AsyncIterable<Uint8Array>): string | Promise<string> {
  if (data instanceof Uint8Array) return `sha256:${createHash('sha256').update(data).digest('hex')}`;
  return hashStream(data);
}

async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

/** Splits a digest into algorithm and encoded value; returns undefined when it does not match `DIGEST_PATTERN`. */
export function parseDigest(digest: string): { algorithm: string; encoded: string } | undefined {
  if (!DIGEST_PATTERN.test(digest)) return undefined;
  const i = digest.indexOf(':');
  return { algorithm: digest.slice(0, i), encoded: digest.slice(i + 1) };
}
