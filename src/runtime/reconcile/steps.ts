// The ordered list of named steps a reconcile runs: the runner stops at the first failure or early finish.
import { asFailure, type ReconcileFailure } from './failure.ts';

/** What a step may return: nothing (go on), or `{ done }` to finish the reconcile early with that value. */
export type StepResult<D> = void | { done: D };

/** One named step of a reconcile; throws a ReconcileFailure (anything else is wrapped with the fallback reason). */
export interface Step<C, D> {
  name: string;
  run(ctx: C): Promise<StepResult<D>> | StepResult<D>;
}

/** How a run of steps ended. */
export type StepsOutcome<D> = (
  { ok: true; done?: D; lastStep: string } | { ok: false; failure: ReconcileFailure; step: string }
) & {
  /** Milliseconds each step that ran took, in order. */
  stepMs: [string, number][];
};

/**
 * Runs `steps` in order on `ctx`. Stops at the first step that throws (its error becomes a
 * ReconcileFailure with `fallbackReason` unless it carries a reason) or returns `{ done }`.
 * An aborted `signal` stops the run before the next step.
 */
export async function runSteps<C, D>(
  steps: readonly Step<C, D>[],
  ctx: C,
  opts: { signal: AbortSignal; fallbackReason: string },
): Promise<StepsOutcome<D>> {
  let last = '';
  const stepMs: [string, number][] = [];
  for (const step of steps) {
    last = step.name;
    const started = performance.now();
    const took = (): void => void stepMs.push([step.name, Math.round(performance.now() - started)]);
    try {
      opts.signal.throwIfAborted();
      const result = await step.run(ctx);
      took();
      if (result) return { ok: true, done: result.done, lastStep: step.name, stepMs };
    } catch (err) {
      took();
      return { ok: false, failure: asFailure(err, opts.fallbackReason), step: step.name, stepMs };
    }
  }
  return { ok: true, lastStep: last, stepMs };
}
