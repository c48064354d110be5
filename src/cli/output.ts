// Terminal output of the user-facing commands: Flux-style tables and progress lines, colour and
// spinners only on a terminal, plain text when piped.

/** Where a command writes, and whether it may colour and animate. */
export interface CliIo {
  /** Results (tables, YAML, JSON). */
  out: { write(text: string): unknown };
  /** Progress lines and errors, as the flux CLI writes them. */
  err: { write(text: string): unknown };
  /** ANSI colours on stdout and stderr (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
  /** Animated spinners on stderr (both streams are terminals). */
  spinner: boolean;
  /** The clock used for "last seen" columns and request tokens. */
  now(): Date;
}

/** Options of the user-facing commands: where they write (default: the process's streams, see {@link processIo}). */
export interface CommandOptions {
  io?: () => CliIo;
}

/** The process's own streams; colour and spinners only when stdout is a terminal and NO_COLOR is unset. */
export function processIo(): CliIo {
  const tty = process.stdout.isTTY === true && !process.env['NO_COLOR'];
  return {
    out: process.stdout,
    err: process.stderr,
    color: tty,
    spinner: tty && process.stderr.isTTY === true,
    now: () => new Date(),
  };
}

const ansi = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, dim: 2, bold: 1 } as const;

/** A colour name usable with {@link paint}. */
export type Colour = keyof typeof ansi;

/** `text` wrapped in an ANSI colour when `enabled`, unchanged otherwise. */
export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled && text ? `\u001b[${ansi[colour]}m${text}\u001b[0m` : text;
}

/** Styles one table cell after padding (so colour codes never disturb the alignment). */
export type CellStyle = (text: string, column: number, row: number) => string;

/**
 * Renders a table the way the flux CLI does: upper-case headers, columns padded to their widest cell
 * and separated by a tab, no borders; a cell with line breaks spans several lines within its column.
 * `header` may be empty (watch updates print rows only).
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  style?: CellStyle,
): string {
  const all = header.length ? [header.map((h) => h.toUpperCase()), ...rows] : [...rows];
  const cells = all.map((row) => row.map((cell) => cell.split('\n')));
  const widths: number[] = [];
  for (const row of cells) row.forEach((lines, i) => (widths[i] = Math.max(widths[i] ?? 0, ...lines.map(cellWidth))));
  const out: string[] = [];
  cells.forEach((row, r) => {
    const dataRow = header.length ? r - 1 : r;
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      const line = row.map((lines, i) => {
        const cell = lines[l] ?? '';
        const padded = i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - cellWidth(cell));
        return style && dataRow >= 0 ? style(padded, i, dataRow) : padded;
      });
      out.push(`${line.join('\t').trimEnd()}\n`);
    }
  });
  return out.join('');
}

// Counts code points, not UTF-16 units, so names with emoji or accents still line up. Text without surrogate
// pairs (nearly all) has one unit per code point: no array of characters is built for it.
const surrogate = /[\uD800-\uDFFF]/;
const cellWidth = (s: string): number => (surrogate.test(s) ? [...s].length : s.length);

const hexRun = /\b[a-f0-9]{40,128}\b/g;

/** Shortens every 40–128 character hex run (SHA-1 to SHA-512) to 8 characters, as flux's `get` does. */
export function truncateHex(text: string): string {
  return text.replace(hexRun, (h) => h.slice(0, 8));
}

/** `True`/`False`, the way flux prints booleans in tables. */
export const titleBool = (b: boolean): string => (b ? 'True' : 'False');

/**
 * An age as kubectl's AGE/LAST SEEN columns print it (k8s.io/apimachinery `duration.HumanDuration`):
 * `45s`, `3m20s`, `25m`, `5h10m`, `3d4h`, `400d`, `2y30d`; `<invalid>` for a future time beyond 2 s.
 * Deliberately lossy and not parseable: for exact Go durations (`1h0m0s`) use api/duration's `formatDuration`.
 */
export function humanAge(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return d === 0 ? `${y}y` : `${y}y${d}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Bytes in IEC units as Flux prints storage (`512 B`, `3.7 MiB`); `-` for 0. */
export function formatSize(bytes: number): string {
  if (bytes <= 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  let div = 1024;
  let exp = 0;
  for (let n = Math.floor(bytes / 1024); n >= 1024; n = Math.floor(n / 1024)) {
    div *= 1024;
    exp++;
  }
  return `${(bytes / div).toFixed(1)} ${'KMGTPE'[exp]}iB`;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A running "waiting" line; `stop()` ends it (and its animation on a terminal). */
export interface Spinner {
  stop(): void;
}

/**
 * Flux's progress lines on stderr (`►` action, `◎` waiting, `✔` success, `✗` failure, `⚠️` warning),
 * with coloured symbols and an animated waiting line on a terminal.
 */
export class Reporter {
  private readonly io: CliIo;

  constructor(io: CliIo) {
    this.io = io;
  }

  private line(symbol: string, colour: Colour, message: string): void {
    this.io.err.write(`${paint(symbol, colour, this.io.color)} ${message}\n`);
  }

  action(message: string): void {
    this.line('►', 'blue', message);
  }

  waiting(message: string): void {
    this.line('◎', 'yellow', message);
  }

  success(message: string): void {
    this.line('✔', 'green', message);
  }

  failure(message: string): void {
    this.line('✗', 'red', message);
  }

  warning(message: string): void {
    this.line('⚠️', 'yellow', message);
  }

  /** Prints the waiting line; on a terminal it carries a spinner until `stop()`. */
  spin(message: string): Spinner {
    if (!this.io.spinner) {
      this.waiting(message);
      return { stop: () => undefined };
    }
    const symbol = paint('◎', 'yellow', this.io.color);
    let i = 0;
    const draw = (frame: string): void => void this.io.err.write(`\r${symbol} ${message} ${frame}`);
    draw(frames[0] ?? '');
    const timer = setInterval(() => draw(frames[++i % frames.length] ?? ''), 100);
    timer.unref();
    return {
      stop: () => {
        clearInterval(timer);
        this.io.err.write(`\r${symbol} ${message}  \n`);
      },
    };
  }
}
