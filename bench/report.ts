// The results table: pure formatting, laid out the way prettier formats Markdown tables so results files stay clean.

/** How a line's numbers are stored and shown: ms as seconds, CPU-seconds, bytes as MiB, or a plain count. */
export type Unit = 'ms' | 'cpu' | 'bytes' | 'count';

/** A goal for a line: Driftless/Flux at most `maxRatio`, and/or Driftless's median at most `max` (in `unit`). */
export type Target = { maxRatio?: number; max?: number };

/** One measured quantity of one benchmark row, for both engines (one value per repetition). */
export type Line = {
  /** Benchmark row, e.g. `P1 N=100`. */
  row: string;
  /** What is measured, e.g. `time to all Ready`. */
  metric: string;
  unit: Unit;
  driftless: number[];
  flux: number[];
  /** The raw `kubectl` floor, where the row has one. */
  floor?: number[];
  target?: Target;
  /** Why a number is missing, or anything else worth a footnote. */
  note?: string;
};

/** The median of a list (mean of the middle two for an even count); undefined for an empty list. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The `p`-th percentile (0–100) by the nearest-rank method; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1];
}

/** Formats one value: `0.31 s` / `43.8 s`, CPU-seconds with 2 or 1 decimals, `346 MiB`, counts. */
export function formatValue(value: number, unit: Unit): string {
  const decimals = (n: number): string => n.toFixed(Math.abs(n) < 10 ? 2 : 1);
  switch (unit) {
    case 'ms':
      return `${decimals(value / 1000)} s`;
    case 'cpu':
      return decimals(value);
    case 'bytes':
      return `${Math.round(value / 2 ** 20)} MiB`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** Every repetition's value, comma-separated; `n/a` when there is none. */
export const formatValues = (values: readonly number[], unit: Unit): string =>
  values.length === 0 ? 'n/a' : values.map((v) => formatValue(v, unit)).join(', ');

/** The ratio of the medians, Driftless over Flux, e.g. `0.80x`; `n/a` when either is missing or Flux's is 0. */
export function ratio(driftless: readonly number[], flux: readonly number[]): string {
  const d = median(driftless);
  const f = median(flux);
  if (d === undefined || f === undefined || f <= 0) return 'n/a';
  return `${(d / f).toFixed(2)}x`;
}

/** The target with its verdict, e.g. `<= 0.5x: missed`; empty without a target, `?` verdict when not measurable. */
export function targetCell(line: Pick<Line, 'driftless' | 'flux' | 'unit' | 'target'>): string {
  const t = line.target;
  if (!t) return '';
  const parts: string[] = [];
  const verdicts: (boolean | undefined)[] = [];
  const d = median(line.driftless);
  if (t.maxRatio !== undefined) {
    parts.push(`<= ${t.maxRatio}x`);
    const f = median(line.flux);
    verdicts.push(d === undefined || f === undefined || f <= 0 ? undefined : d / f <= t.maxRatio);
  }
  if (t.max !== undefined) {
    parts.push(`<= ${formatValue(t.max, line.unit)}`);
    verdicts.push(d === undefined ? undefined : d <= t.max);
  }
  const verdict = verdicts.includes(undefined) ? '?' : verdicts.every(Boolean) ? 'met' : 'missed';
  return `${parts.join(' and ')}: ${verdict}`;
}

/** A note fit for one table cell: one line, pipes escaped, at most 200 characters. */
export function noteCell(note: string | undefined): string {
  const line = (note ?? '').replace(/\s+/g, ' ').trim();
  const short = line.length > 200 ? `${line.slice(0, 199)}…` : line;
  return short.replace(/\|/g, '\\|');
}

/** Renders lines as a Markdown table with padded columns. */
export function markdownTable(lines: readonly Line[]): string {
  const header = ['row', 'metric', 'Driftless', 'Flux', 'Driftless/Flux', 'target', 'kubectl floor', 'note'];
  const body = lines.map((l) => [
    l.row,
    l.metric,
    formatValues(l.driftless, l.unit),
    formatValues(l.flux, l.unit),
    ratio(l.driftless, l.flux),
    targetCell(l),
    l.floor ? formatValues(l.floor, l.unit) : '',
    noteCell(l.note),
  ]);
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 3)).join(' | ')} |`;
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...body.map(row)].join('\n');
}

/** Options of {@link resultsSection}. */
export type ResultsMeta = {
  startedAt: Date;
  command: string;
  /** `git rev-parse --short HEAD` (plus `-dirty` when the tree had changes) of the code measured. */
  commit: string;
  machine: string[];
  layout: string[];
  notes: string[];
};

/** A dated section for `bench/results/<date>.md`: how the run was made, the table, then the notes. */
export function resultsSection(lines: readonly Line[], meta: ResultsMeta): string {
  return [
    `## Run of ${meta.startedAt.toISOString()} (commit ${meta.commit})`,
    '',
    `Command: \`${meta.command}\``,
    '',
    ...meta.machine.map((l) => `- ${l}`),
    '',
    ...meta.layout.map((l) => `- ${l}`),
    '',
    markdownTable(lines),
    '',
    ...(meta.notes.length > 0 ? [...meta.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
