import { describeRef, type ObjectRef } from '../kube/types.ts';
import type { ChangeSet } from './changeset.ts';

/** One object that could not be applied or deleted, with a message that is safe to show. */
export interface ObjectFailure {
  ref: ObjectRef;
  subject: string;
  message: string;
}

// Keeps condition messages readable (and well under the API's 32 KiB limit) when many objects fail.
const MAX_LISTED = 10;

/**
 * Apply failed for one or more objects. Carries the change set of what was done before the
 * failure (earlier stages), so the caller can report it; the message lists each failed object
 * (`Kind/ns/name`) with the API server's reason, Secret values masked.
 */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  readonly changeSet: ChangeSet;
  readonly failures: ObjectFailure[];

  constructor(opts: { failures: ObjectFailure[]; changeSet: ChangeSet; cause?: unknown }) {
    const lines = opts.failures.slice(0, MAX_LISTED).map((f) => f.message);
    if (opts.failures.length > MAX_LISTED) lines.push(`…and ${opts.failures.length - MAX_LISTED} more objects failed`);
    super(lines.join('\n'), { cause: opts.cause });
    this.failures = opts.failures;
    this.changeSet = opts.changeSet;
  }
}

/** An ObjectFailure for `ref` whose message starts with the object's `Kind/ns/name`. */
export function objectFailure(ref: ObjectRef, message: string): ObjectFailure {
  const subject = describeRef(ref);
  return { ref, subject, message: `${subject} ${message}` };
}
