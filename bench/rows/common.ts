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

/** Gathers a Driftless-only row's numbers metric by metric over its repetitions (see {@link collectRow}). */
export type RowCollector = {
  /** Adds one repetition's value of `metric`; undefined and non-finite values are left out. */
  put(metric: string, unit: Unit, value: number | undefined): void;
  /** The row's lines, metrics in the order first put, Flux column empty, `errors` as the first line's note. */
  lines(row: string, errors: readonly string[]): Line[];
};

/**
 * A collector for a row Driftless runs alone (shards, OCI): no engine alternation, so the lines are built from
 * whatever each repetition measured; a row with nothing measured still prints one empty line with its errors. Pure.
 */
export function collectRow(): RowCollector {
  const values = new Map<string, { metric: string; unit: Unit; values: number[] }>();
  return {
    put(metric, unit, value) {
      if (value === undefined || !Number.isFinite(value)) return;
      const entry = values.get(metric) ?? { metric, unit, values: [] };
      entry.values.push(value);
      values.set(metric, entry);
    },
    lines(row, errors) {
      const note = errors.length > 0 ? { note: errors.join('; ') } : {};
      const entries = [...values.values()];
      if (entries.length === 0)
        return [{ row, metric: 'time to all Ready', unit: 'ms', driftless: [], flux: [], ...note }];
      return entries.map((e, i) => ({
        row,
        metric: e.metric,
        unit: e.unit,
        driftless: e.values,
        flux: [],
        ...(i === 0 ? note : {}),
      }));
    },
  };
}
