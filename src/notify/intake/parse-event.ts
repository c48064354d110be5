// Strict decoding of the event JSON Flux controllers POST (pkg apis/event/v1beta1): every field is
// type-checked, `null` is never taken for "absent", and the first problem names its field.
import type { FluxEvent } from '../event.ts';

/** Decoded event, or the first invalid field with a readable reason. */
export type ParsedEvent = { ok: true; event: FluxEvent } | { ok: false; field: string; reason: string };

const SEVERITIES = ['info', 'error'] as const;
// RFC 3339 as Go's time.Time marshals it (fraction optional, Z or offset).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/**
 * Validates a decoded JSON value as a Flux event. Required: `involvedObject.kind`, `involvedObject.name`,
 * `severity` (`info`|`error`), `timestamp` (RFC 3339), `message` (may be empty), `reason`,
 * `reportingController`. Optional strings default to "": `involvedObject.apiVersion|namespace|uid`,
 * `reportingInstance`. `metadata` is optional but must map strings to strings. Unknown fields are dropped.
 */
export function parseFluxEvent(value: unknown): ParsedEvent {
  try {
    const root = object(value, '(body)');
    const io = object(root['involvedObject'], 'involvedObject');
    const severity = str(root['severity'], 'severity', true);
    if (!(SEVERITIES as readonly string[]).includes(severity))
      throw new FieldError('severity', `must be "info" or "error" (got ${JSON.stringify(severity)})`);
    const timestamp = str(root['timestamp'], 'timestamp', true);
    if (!RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp)))
      throw new FieldError('timestamp', `must be an RFC 3339 time (got ${JSON.stringify(timestamp)})`);
    const event: FluxEvent = {
      involvedObject: {
        apiVersion: optionalStr(io['apiVersion'], 'involvedObject.apiVersion'),
        kind: str(io['kind'], 'involvedObject.kind', true),
        name: str(io['name'], 'involvedObject.name', true),
        namespace: optionalStr(io['namespace'], 'involvedObject.namespace'),
        uid: optionalStr(io['uid'], 'involvedObject.uid'),
      },
      severity: severity as FluxEvent['severity'],
      timestamp,
      message: str(root['message'], 'message', false),
      reason: str(root['reason'], 'reason', true),
      reportingController: str(root['reportingController'], 'reportingController', true),
      reportingInstance: optionalStr(root['reportingInstance'], 'reportingInstance'),
    };
    if (root['metadata'] !== undefined) event.metadata = metadata(root['metadata']);
    return { ok: true, event };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, field: err.field, reason: err.reason };
    throw err;
  }
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new FieldError(field, `must be an object (got ${describe(v)})`);
  return v as Record<string, unknown>;
}

function str(v: unknown, field: string, nonEmpty: boolean): string {
  if (typeof v !== 'string') throw new FieldError(field, `must be a string (got ${describe(v)})`);
  if (nonEmpty && v === '') throw new FieldError(field, 'must not be empty');
  return v;
}

function optionalStr(v: unknown, field: string): string {
  return v === undefined ? '' : str(v, field, false);
}

function metadata(v: unknown): Record<string, string> {
  const m = object(v, 'metadata');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(m)) out[k] = str(val, `metadata[${JSON.stringify(k)}]`, false);
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}
