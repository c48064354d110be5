// Errors raised by the API layer's pure helpers when an object's spec cannot be used.
import { Reasons } from './constants.ts';

/** A spec field holds a value the engine cannot use; `reason` is the Flux condition reason to report. */
export class InvalidSpecError extends Error {
  override readonly name: string = 'InvalidSpecError';
  /** Condition reason, `Failed` unless the caller knows a more specific one. */
  readonly reason: string;
  /** JSON path of the offending field, e.g. `spec.interval`. */
  readonly field: string;

  constructor(options: { field: string; message: string; reason?: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
    this.reason = options.reason ?? Reasons.Failed;
  }
}

/** A duration string that does not match Go's `time.ParseDuration` syntax as Flux's CRDs accept it. */
export class InvalidDurationError extends InvalidSpecError {
  override readonly name: string = 'InvalidDurationError';
  /** The rejected value. */
  readonly value: string;

  constructor(options: { value: string; field?: string; detail?: string }) {
    const field = options.field ?? 'duration';
    super({
      field,
      message:
        `invalid duration ${JSON.stringify(options.value)} in ${field}: ${options.detail ?? 'expected a Go duration such as "30s", "5m" or "1h30m"'}` +
        ' (units ms, s, m, h; decimals allowed, e.g. "1.5h")',
    });
    this.value = options.value;
  }
}

/** An inventory id that is not `<namespace>_<name>_<group>_<kind>`. */
export class InvalidInventoryIdError extends Error {
  override readonly name: string = 'InvalidInventoryIdError';
  /** Corrupt inventories stop the reconcile, reported like other reconcile failures. */
  readonly reason: string = Reasons.ReconciliationFailed;
  /** The rejected id. */
  readonly id: string;

  constructor(options: { id: string; detail: string }) {
    super(
      `invalid inventory id ${JSON.stringify(options.id)}: ${options.detail}; expected <namespace>_<name>_<group>_<kind>`,
    );
    this.id = options.id;
  }
}
