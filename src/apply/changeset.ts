import { describeRef, type ObjectRef } from '../kube/types.ts';

/** What happened to one object. */
export const Action = {
  Created: 'created',
  Configured: 'configured',
  Unchanged: 'unchanged',
  Skipped: 'skipped',
  Deleted: 'deleted',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/** One line of a change set; `subject` is `Kind/namespace/name` (or `Kind/name`). */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: Action;
  subject: string;
  /** For a configured object: the JSON pointers the apply changed (its drift from the desired state). */
  fields?: string[];
}

/** The outcome of an apply or prune, in the order the objects were handled. */
export interface ChangeSet {
  entries: ChangeSetEntry[];
}

/** A change set entry for `ref`. */
export function changeEntry(ref: ObjectRef, action: Action): ChangeSetEntry {
  return { ref, action, subject: describeRef(ref) };
}

const CHANGES: ReadonlySet<Action> = new Set([Action.Created, Action.Configured, Action.Deleted]);

/** True when the change set created, configured or deleted anything. */
export function hasChanges(cs: ChangeSet): boolean {
  return cs.entries.some((e) => CHANGES.has(e.action));
}

/**
 * The change set as Flux prints it in events, one `Kind/ns/name action` line per object;
 * unchanged and skipped objects are left out unless `all` is set.
 */
export function formatChangeSet(cs: ChangeSet, opts: { all?: boolean } = {}): string {
  return cs.entries
    .filter((e) => opts.all || CHANGES.has(e.action))
    .map((e) => `${e.subject} ${e.action}`)
    .join('\n');
}
