// What every row shares: alternating the engines, and turning per-turn measurements into table lines.
import type { EngineName } from '../engines.ts';
import type { Line, Target, Unit } from '../report.ts';
import type { Session } from '../session.ts';

/** One turn's measurements, by metric id; undefined where a number could not be taken. */
export type Measured = Record<string, number | undefined>;

/** One metric a row reports. */
export type MetricSpec = { id: string; metric: string; unit: Unit; target?: Target };

/** One engine's turn: what it measured, or why it failed. */
export type TurnOutcome = { engine: EngineName; measured: Measured; error?: string };

/** The engine order of each repetition: Driftless first, then Flux, swapped on every other repetition; pure. */
export function engineOrder(repetition: number): EngineName[] {
  return repetition % 2 === 0 ? ['driftless', 'flux'] : ['flux', 'driftless'];
}

/**
 * Runs `turn` for both engines, `repetitions` times, alternating which goes first. A failed turn is kept with its
 * error (and whatever it measured before failing) so the row still prints; an abort stops everything.
 */
export async function alternate(
  s: Session,
  repetitions: number,
  turn: (engine: EngineName, measured: Measured) => Promise<void>,
  engines: readonly EngineName[] = s.opts.engines ?? ['driftless', 'flux'],
): Promise<TurnOutcome[]> {
  const outcomes: TurnOutcome[] = [];
  for (let r = 0; r < repetitions; r++) {
    for (const engine of engineOrder(r).filter((e) => engines.includes(e))) {
      const measured: Measured = {};
      try {
        await turn(engine, measured);
        outcomes.push({ engine, measured });
      } catch (err) {
        s.opts.signal?.throwIfAborted();
        const error = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
        s.opts.log(`${engine} turn failed: ${error}`);
        outcomes.push({ engine, measured, error });
      }
    }
  }
  return outcomes;
}

/** Builds a row's table lines from its turns (and the kubectl floor, where it has one); pure. */
export function toLines(
  row: string,
  specs: readonly MetricSpec[],
  outcomes: readonly TurnOutcome[],
  floor: Measured = {},
  extraNote?: string,
): Line[] {
  const values = (engine: EngineName, id: string): number[] =>
    outcomes
      .filter((o) => o.engine === engine)
      .map((o) => o.measured[id])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const errors = outcomes.filter((o) => o.error).map((o) => `${o.engine}: ${o.error ?? ''}`);
  const note = [...new Set(errors), ...(extraNote ? [extraNote] : [])].join('; ');
  return specs.map((spec, i) => {
    const f = floor[spec.id];
    return {
      row,
      metric: spec.metric,
      unit: spec.unit,
      driftless: values('driftless', spec.id),
      flux: values('flux', spec.id),
      ...(f !== undefined ? { floor: [f] } : {}),
      ...(spec.target ? { target: spec.target } : {}),
      // The note goes on the row's first line only.
      ...(i === 0 && note ? { note } : {}),
    };
  });
}
