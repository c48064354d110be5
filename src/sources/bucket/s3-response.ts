// Reading an S3 server's answers: ListObjectsV2 pages and error bodies (XML), bounded bodies, and
// transport errors as BucketErrors. Used by S3Client.
import type { IncomingMessage } from 'node:http';
import type * as FastXmlParser from 'fast-xml-parser';
import { lazyModule } from '../../util/lazy-module.ts';
import { BucketError, BucketLimitError, S3ResponseError, shownKey } from './errors.ts';
import { trimEtag } from './revision.ts';

/** One listed object. */
export interface S3Object {
  key: string;
  /** Without quotes, as minio-go reports it. */
  etag: string;
  size: number;
}

/** Largest error body read. */
const MAX_ERROR_BYTES = 64 * 1024;

// Loaded when a Bucket is first reconciled: most installations have none.
let parser: FastXmlParser.XMLParser | undefined;
const xml = (): FastXmlParser.XMLParser =>
  (parser ??= new (lazyModule<typeof FastXmlParser>('fast-xml-parser')().XMLParser)({
    ignoreAttributes: true,
    // Keys and ETags must stay strings ("0123" is a key, not a number).
    parseTagValue: false,
    trimValues: false,
    // Servers escape the ETag's quotes as &quot; or &#34;: decode both.
    htmlEntities: true,
    isArray: (name) => name === 'Contents' || name === 'CommonPrefixes',
  }));

export interface ListPage {
  objects: S3Object[];
  truncated: boolean;
  nextToken: string | undefined;
}

/** Parses one ListObjectsV2 page; keys are URL-decoded when the server honoured `encoding-type=url`. */
export function parseListPage(body: string): ListPage {
  let doc: Record<string, unknown>;
  try {
    doc = xml().parse(body) as Record<string, unknown>;
  } catch (err) {
    throw new BucketError(`cannot parse the ListObjectsV2 answer: ${(err as Error).message}`);
  }
  const result = doc['ListBucketResult'] as Record<string, unknown> | undefined;
  if (!result || typeof result !== 'object') throw new BucketError('the ListObjectsV2 answer has no ListBucketResult');
  const urlEncoded = text(result['EncodingType']).toLowerCase() === 'url';
  const contents = (result['Contents'] as Record<string, unknown>[] | undefined) ?? [];
  const objects = contents.map((c) => {
    const raw = text(c['Key']);
    let key = raw;
    if (urlEncoded) {
      try {
        key = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        throw new BucketError(`the server listed an undecodable key '${shownKey(raw)}'`);
      }
    }
    return { key, etag: trimEtag(text(c['ETag'])), size: Number(text(c['Size']) || 0) };
  });
  const next = text(result['NextContinuationToken']);
  return {
    objects,
    truncated: text(result['IsTruncated']).toLowerCase() === 'true',
    nextToken: next === '' ? undefined : next,
  };
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export function ok(res: IncomingMessage): boolean {
  const s = res.statusCode ?? 0;
  return s >= 200 && s < 300;
}

export function tooLarge(key: string, size: number, max: number): BucketLimitError {
  return new BucketLimitError(
    `object '${shownKey(key)}' is larger than the ${max}-byte limit per object (${size} bytes)`,
  );
}

export async function readBody(res: IncomingMessage, max: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      res.destroy();
      throw new BucketError(`${what} is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The S3 error of a response with a body: `<Error><Code>…</Code><Message>…</Message></Error>` (only those two). */
export async function responseError(res: IncomingMessage): Promise<S3ResponseError> {
  const status = res.statusCode ?? 0;
  let body = '';
  try {
    body = await readBody(res, MAX_ERROR_BYTES, 'error answer');
  } catch {
    // An oversized or broken error body still leaves the status to report.
  }
  let code = '';
  let message = '';
  let region = '';
  try {
    const doc = xml().parse(body) as Record<string, unknown>;
    const err = doc['Error'] as Record<string, unknown> | undefined;
    if (err && typeof err === 'object') {
      code = text(err['Code']);
      message = text(err['Message']);
      region = text(err['Region']);
    }
  } catch {
    // Not XML: fall back to the status.
  }
  const fallback = statusError(status, res.statusMessage);
  return new S3ResponseError(code || fallback.code, status, message || fallback.message, region || undefined);
}

/** A HEAD answer has no body: S3's code and message follow from the status, as minio-go derives them. */
export function headError(res: IncomingMessage): S3ResponseError {
  const status = res.statusCode ?? 0;
  const { code, message } = statusError(status, res.statusMessage);
  return new S3ResponseError(code, status, message);
}

export function statusError(status: number, statusMessage: string | undefined): { code: string; message: string } {
  switch (status) {
    case 301:
      return { code: 'PermanentRedirect', message: 'the bucket is in another region or needs another endpoint' };
    case 400:
      return { code: 'BadRequest', message: 'Bad Request' };
    case 403:
      return { code: 'AccessDenied', message: 'Access Denied.' };
    case 404:
      return { code: 'NotFound', message: 'Not Found' };
    default:
      return { code: `HTTP${status}`, message: `${status} ${statusMessage ?? ''}`.trim() };
  }
}

export function transportError(err: Error, host: string, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof Error ? reason : new BucketError(`request to '${host}' was aborted`);
  }
  return new BucketError(`request to '${host}' failed: ${err.message}`, { cause: err });
}
