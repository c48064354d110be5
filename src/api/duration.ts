// Go `time.Duration` strings as Flux's CRDs accept them, converted to and from milliseconds.
import { InvalidDurationError } from './errors.ts';

const unitNs = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n } as const;
const wholeValue = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const segment = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g;
// Go durations are int64 nanoseconds; anything beyond that fails to parse in Flux too.
const maxNs = 9_223_372_036_854_775_807n;

/**
 * Parses a duration such as `1m30s` or `1.5h` into milliseconds (exact to the nanosecond, like Go).
 * Accepts exactly the CRD pattern `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`; throws InvalidDurationError
 * (naming `field` when given) for anything else, including values above Go's int64-nanosecond limit.
 */
export function parseDuration(value: string, field?: string): number {
  const where = field === undefined ? {} : { field };
  if (typeof value !== 'string' || !wholeValue.test(value)) {
    throw new InvalidDurationError({ value: String(value), ...where });
  }
  // Integer nanoseconds avoid float drift such as 2.818583s → 2818.5829999999996 ms.
  let total = 0n;
  for (const match of value.matchAll(segment)) {
    const unit = unitNs[match[3] as keyof typeof unitNs];
    const fraction = match[2] ?? '';
    total += BigInt(match[1] ?? '0') * unit;
    if (fraction !== '') total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    if (total > maxNs) {
      throw new InvalidDurationError({
        value,
        ...where,
        detail: 'value exceeds the maximum duration (about 2562047h)',
      });
    }
  }
  return Number(total) / 1e6;
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
