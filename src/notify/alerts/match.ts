// Which Alerts an event goes to (notification-controller internal/server/event_handlers.go, §3.4).
import type { FluxEvent } from '../event.ts';
import { EventSeverity } from '../event.ts';
import { compileGoRegexp, InvalidRegexpError } from './go-regexp.ts';
import type { GoRegexp } from './go-regexp.ts';
import type { Alert, EventSourceRef } from './types.ts';

/** Inputs `matchAlerts` cannot compute itself. */
export interface MatchOptions {
  /**
   * Labels of the involved object, read by sources with `matchLabels`. When undefined such sources
   * never match, as in Flux when fetching the object fails.
   */
  objectLabels?: Record<string, string>;
  /** Flux's `--no-cross-namespace-refs`: an Alert only receives events from its own namespace. Default false. */
  noCrossNamespaceRefs?: boolean;
  /**
   * Called once per invalid inclusion/exclusion entry. Like Flux, the entry is then ignored: an
   * invalid inclusion pattern matches nothing, an invalid exclusion pattern excludes nothing.
   */
  onInvalidPattern?: (alert: Alert, error: InvalidRegexpError) => void;
  /** Compiled patterns by source text, reused across calls when the caller keeps one map. */
  regexpCache?: Map<string, GoRegexp | InvalidRegexpError>;
}

/**
 * The Alerts, in input order, that should forward `event`: not suspended, with an event source
 * whose kind and namespace (default: the Alert's) equal the object's, whose name is the object's or
 * a `*` pattern, whose `matchLabels` the object's labels satisfy, and whose severity admits the
 * event (`info` admits all); then the message must match an `inclusionList` entry (when set) and
 * no `exclusionList` entry. Pure; never throws.
 */
export function matchAlerts(event: FluxEvent, alerts: readonly Alert[], options: MatchOptions = {}): Alert[] {
  return alerts.filter((alert) => alertMatches(event, alert, options));
}

/** Whether one Alert forwards `event`; the rules of `matchAlerts`. */
export function alertMatches(event: FluxEvent, alert: Alert, options: MatchOptions = {}): boolean {
  if (alert.spec.suspend) return false;
  if (options.noCrossNamespaceRefs && event.involvedObject.namespace !== alert.metadata.namespace) return false;
  if (!alert.spec.eventSources.some((source) => sourceMatches(event, alert, source, options.objectLabels))) {
    return false;
  }
  return messageIncluded(event.message, alert, options) && !messageExcluded(event.message, alert, options);
}

/**
 * Compiles every inclusion and exclusion entry of an Alert and returns the errors, so a controller
 * can report a bad pattern on the Alert up front instead of on the first event.
 */
export function validateAlertPatterns(alert: Alert): InvalidRegexpError[] {
  const errors: InvalidRegexpError[] = [];
  for (const [list, patterns] of [
    ['inclusionList', alert.spec.inclusionList],
    ['exclusionList', alert.spec.exclusionList],
  ] as const) {
    (patterns ?? []).forEach((pattern, i) => {
      try {
        compileGoRegexp(pattern, `spec.${list}[${i}]`);
      } catch (err) {
        if (!(err instanceof InvalidRegexpError)) throw err;
        errors.push(err);
      }
    });
  }
  return errors;
}

function sourceMatches(
  event: FluxEvent,
  alert: Alert,
  source: EventSourceRef,
  objectLabels: Record<string, string> | undefined,
): boolean {
  const obj = event.involvedObject;
  const namespace = source.namespace || alert.metadata.namespace;
  if (obj.namespace !== namespace || obj.kind !== source.kind) return false;
  const severity = alert.spec.eventSeverity ?? EventSeverity.Info;
  if (severity !== EventSeverity.Info && event.severity !== severity) return false;
  if (!nameMatches(source.name, obj.name)) return false;
  if (source.matchLabels === undefined) return true;
  if (objectLabels === undefined) return false;
  return Object.entries(source.matchLabels).every(([k, v]) => objectLabels[k] === v);
}

/** `*` matches every name; a `*` inside a pattern matches any run of characters. */
function nameMatches(pattern: string, name: string): boolean {
  if (pattern === '*' || pattern === name) return true;
  if (!pattern.includes('*')) return false;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

function messageIncluded(message: string, alert: Alert, options: MatchOptions): boolean {
  const list = alert.spec.inclusionList ?? [];
  if (list.length === 0) return true;
  return list.some((pattern, i) => compiled(pattern, `spec.inclusionList[${i}]`, alert, options)?.test(message));
}

function messageExcluded(message: string, alert: Alert, options: MatchOptions): boolean {
  const list = alert.spec.exclusionList ?? [];
  return list.some((pattern, i) => compiled(pattern, `spec.exclusionList[${i}]`, alert, options)?.test(message));
}

function compiled(pattern: string, field: string, alert: Alert, options: MatchOptions): GoRegexp | undefined {
  let entry = options.regexpCache?.get(pattern);
  if (entry === undefined) {
    try {
      entry = compileGoRegexp(pattern, field);
    } catch (err) {
      if (!(err instanceof InvalidRegexpError)) throw err;
      entry = err;
    }
    options.regexpCache?.set(pattern, entry);
  }
  if (entry instanceof InvalidRegexpError) {
    options.onInvalidPattern?.(alert, entry);
    return undefined;
  }
  return entry;
}
