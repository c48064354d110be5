import type { KubeObject } from '../kube/types.ts';
import { isSecret, Mask } from './mask.ts';
import { driftView, jsonEqual } from './normalize.ts';
import { isRecord } from '../util/is-record.ts';

/** One changed value, addressed by an RFC 6901 JSON pointer; `before`/`after` absent when added/removed. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The differences between two JSON values as a list of pointers, sorted by path. Objects are
 * compared key by key, arrays of equal length element by element; an array that changed length
 * is reported whole, since element identity is unknown without the schema's list keys.
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (jsonEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = `${path}/${escape(k)}`;
      if (!Object.hasOwn(before, k)) return [{ path: p, after: after[k] }];
      if (!Object.hasOwn(after, k)) return [{ path: p, before: before[k] }];
      return jsonDiff(before[k], after[k], p);
    });
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((v, i) => jsonDiff(v, after[i], `${path}/${i}`));
  }
  return [{ path: path || '/', before, after }];
}

const SECRET_FIELD = /^\/(data|stringData)(\/|$)/;

function maskValue(v: unknown, marker: string): unknown {
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, Mask.value]));
  return marker;
}

/** Secret values in `changes` replaced by masks (`***** (before)`/`(after)` when both sides exist). */
export function maskSecretChanges(changes: FieldChange[]): FieldChange[] {
  return changes.map((c) => {
    if (!SECRET_FIELD.test(c.path)) return c;
    const both = 'before' in c && 'after' in c;
    const out: FieldChange = { path: c.path };
    if ('before' in c) out.before = maskValue(c.before, both ? Mask.before : Mask.value);
    if ('after' in c) out.after = maskValue(c.after, both ? Mask.after : Mask.value);
    return out;
  });
}

/**
 * The drift between the in-cluster object and the dry-run result (labels, annotations and
 * everything outside metadata and status), with Secret values masked.
 */
export function objectDrift(existing: KubeObject, dryRun: KubeObject): FieldChange[] {
  const changes = jsonDiff(driftView(existing), driftView(dryRun));
  return isSecret(dryRun) ? maskSecretChanges(changes) : changes;
}
