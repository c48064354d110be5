// The results table: pure formatting, laid out the way prettier formats Markdown tables so results files stay clean.

/** One benchmark's measurements; times in milliseconds from the first write of the run. */
export type BenchRow = {
  benchmark: string;
  objects: number;
  /** Undefined when the run failed or timed out. */
  driftlessReadyMs?: number;
  baselineReadyMs?: number;
  baselineAppliedMs?: number;
  peakRssBytes?: number;
  /** Why a number is missing, or anything else worth a footnote. */
  note?: string;
};

const secs = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const mib = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : `${Math.round(bytes / 1024 / 1024)} MiB`;

/** A note fit for one table cell: one line, pipes escaped, at most 200 characters. */
export function noteCell(note: string | undefined): string {
  const line = (note ?? '').replace(/\s+/g, ' ').trim();
  const short = line.length > 200 ? `${line.slice(0, 199)}…` : line;
  return short.replace(/\|/g, '\\|');
}

/** Driftless time over baseline time, e.g. `1.42x`; `n/a` when either is missing. */
export function ratio(driftlessMs: number | undefined, baselineMs: number | undefined): string {
  if (driftlessMs === undefined || baselineMs === undefined || baselineMs <= 0) return 'n/a';
  return `${(driftlessMs / baselineMs).toFixed(2)}x`;
}

/** Renders rows as a Markdown table with padded columns. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const header = [
    'benchmark',
    'N objects',
    'Driftless time to Ready',
    'baseline time to Ready',
    'ratio',
    'baseline apply returned',
    'Driftless peak RSS',
    'note',
  ];
  const body = rows.map((r) => [
    r.benchmark,
    String(r.objects),
    secs(r.driftlessReadyMs),
    secs(r.baselineReadyMs),
    ratio(r.driftlessReadyMs, r.baselineReadyMs),
    secs(r.baselineAppliedMs),
    mib(r.peakRssBytes),
    noteCell(r.note),
  ]);
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 3)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Options of {@link resultsSection}. */
export type ResultsMeta = { startedAt: Date; command: string; machine: string; layout: string[] };

/** A dated section for `bench/results/<date>.md`: how the run was made, then the table. */
export function resultsSection(rows: readonly BenchRow[], meta: ResultsMeta): string {
  return [
    `## Run of ${meta.startedAt.toISOString()}`,
    '',
    `Command: \`${meta.command}\``,
    '',
    `Machine: ${meta.machine}`,
    '',
    ...meta.layout.map((l) => `- ${l}`),
    '',
    markdownTable(rows),
    '',
  ].join('\n');
}
