import { KubeApiError } from '../kube/errors.ts';
import { Reporter, type CliIo } from './output.ts';

/** Exit codes of the user-facing commands (diff follows flux: 1 = differences, 2 = error). */
export const ExitCodes = { ok: 0, failed: 1, diffFound: 1, diffError: 2 } as const;

/**
 * A command failed in a way the user can act on: `reason` is the Flux condition reason (or a short
 * cause such as `NotFound`), the message names the object and the fix; `exitCode` defaults to 1.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly reason: string;
  readonly exitCode: number;

  constructor(opts: { reason: string; message: string; exitCode?: number; cause?: unknown }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.reason = opts.reason;
    this.exitCode = opts.exitCode ?? ExitCodes.failed;
  }
}

/** The one-line text shown for any error: CliError and API errors read as they are, others with their name. */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof KubeApiError) {
    if (err.status === 0) return `cannot reach the API server: ${err.message}`;
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs a command body and turns a failure into a `✗ message` line and a non-zero exit code
 * (`CliError.exitCode`, else `fallbackExitCode`, default 1) instead of a stack trace.
 */
export async function runAction(
  io: CliIo,
  body: () => Promise<number | void>,
  fallbackExitCode: number = ExitCodes.failed,
): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  } catch (err) {
    new Reporter(io).failure(describeError(err));
    process.exitCode = err instanceof CliError ? err.exitCode : fallbackExitCode;
  }
}
