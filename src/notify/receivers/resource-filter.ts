// Receiver CEL filters (`spec.resourceFilter` and `spec.resources[].filter`), as Flux: each is a bool
// expression over `res` (the candidate object's metadata, as `{apiVersion, kind, metadata}`) and `req`
// (the webhook call's JSON body, `{}` when the body is not JSON). A resource is triggered only when
// the top-level filter and its entry's filter (when set) are both true.
import { CelCompileError, compileCel, type CelProgram } from '../../util/cel.ts';
import type { ReceiverRequest, ReceiverSpec } from './types.ts';

const VARIABLES = ['res', 'req'] as const;

/** A filter that does not compile (Flux's `InvalidCELExpression`, a spec error) or a body that is not JSON. */
export class ReceiverFilterError extends Error {
  override readonly name = 'ReceiverFilterError';
  readonly reason: string;

  constructor(reason: 'InvalidCELExpression' | 'InvalidRequestBody', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** The object a filter sees as `res`. */
export interface FilterSubject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** The compiled filters of one Receiver: `accepts(entry, res)` for the resource matched by `spec.resources[entry]`. */
export interface ReceiverFilters {
  accepts(entry: number, res: FilterSubject): boolean;
}

function compile(source: string, field: string): CelProgram {
  try {
    return compileCel(source, { variables: VARIABLES });
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    throw new ReceiverFilterError('InvalidCELExpression', `invalid ${field} expression: ${err.message}`, err);
  }
}

type FilterSpec = Pick<ReceiverSpec, 'resourceFilter' | 'resources'>;

/** Whether the spec has any CEL filter (then the request body matters). */
export function hasFilters(spec: FilterSpec): boolean {
  return Boolean(spec.resourceFilter) || spec.resources.some((r) => Boolean(r.filter));
}

/** Compiles every filter of the spec; throws `ReceiverFilterError` (InvalidCELExpression) naming the field. */
export function validateReceiverFilters(spec: FilterSpec): void {
  if (spec.resourceFilter) compile(spec.resourceFilter, 'resourceFilter');
  spec.resources.forEach((r, i) => {
    if (r.filter) compile(r.filter, `spec.resources[${i}].filter`);
  });
}

// Flux decodes the body for `req` only when the call says it is JSON.
function requestBody(req: ReceiverRequest): unknown {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) return {};
  try {
    return JSON.parse(req.body.toString('utf8')) as unknown;
  } catch (err) {
    throw new ReceiverFilterError(
      'InvalidRequestBody',
      `failed to parse request body as JSON: ${(err as Error).message}`,
      err,
    );
  }
}

/**
 * The filters of `spec` bound to one webhook call (undefined when there are none). Throws
 * `ReceiverFilterError` for an invalid expression or a JSON body that does not parse. `accepts` throws
 * `CelEvalError` when an expression fails on a resource (Flux then does not trigger that resource).
 */
export function receiverFilters(spec: FilterSpec, req: ReceiverRequest): ReceiverFilters | undefined {
  if (!hasFilters(spec)) return undefined;
  const top = spec.resourceFilter ? compile(spec.resourceFilter, 'resourceFilter') : undefined;
  const perEntry = spec.resources.map((r, i) =>
    r.filter ? compile(r.filter, `spec.resources[${i}].filter`) : undefined,
  );
  const body = requestBody(req);
  return {
    accepts(entry, res) {
      const vars = { res, req: body };
      if (top && !top.evaluateBool(vars)) return false;
      const own = perEntry[entry];
      return own ? own.evaluateBool(vars) : true;
    },
  };
}
