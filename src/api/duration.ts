// Go `time.Duration` strings as Flux's CRDs accept them, converted to and from milliseconds.
import { InvalidDurationError } from './errors.ts';

const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const wholeValue = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const segment = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
// Go durations are int64 nanoseconds; anything beyond that fails to parse in Flux too.
const maxMs = 9_223_372_036_854.775;

/**
 * Parses a duration such as `1m30s` or `1.5h` into milliseconds.
 * Accepts exactly the CRD pattern `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`; throws InvalidDurationError
 * (naming `field` when given) for anything else, including values above Go's int64-nanosecond limit.
 */
export function parseDuration(value: string, field?: string): number {
  if (typeof value !== 'string' || !wholeValue.test(value)) {
    throw new InvalidDurationError({ value: String(value), ...(field === undefined ? {} : { field }) });
  }
  let total = 0;
  for (const match of value.matchAll(segment)) {
    const unit = match[2] as keyof typeof unitMs;
    total += Number(match[1]) * unitMs[unit];
  }
  if (!Number.isFinite(total) || total > maxMs) {
    throw new InvalidDurationError({
      value,
      ...(field === undefined ? {} : { field }),
      detail: 'value exceeds the maximum duration (about 2562047h)',
    });
  }
  return total;
}

/** Formats milliseconds like Go's `Duration.String()` (`1m30s`, `2.818583s`, `500ms`, `0s`); negative input is clamped to 0. */
export function formatDuration(ms: number): string {
  const ns = Math.max(0, Math.round(ms * 1e6));
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${trimFraction(ns / 1_000)}µs`;
  if (ns < 1_000_000_000) return `${trimFraction(ns / 1_000_000)}ms`;
  const hours = Math.floor(ns / 3_600_000_000_000);
  const minutes = Math.floor((ns % 3_600_000_000_000) / 60_000_000_000);
  const seconds = (ns % 60_000_000_000) / 1_000_000_000;
  const s = `${trimFraction(seconds)}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}

// Nine decimals is nanosecond precision; Go prints no trailing zeros.
function trimFraction(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, '');
}
