/** A Kubernetes `metav1.Condition`. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Anything with `status.conditions`. */
export interface WithConditions {
  metadata: { generation?: number };
  status?: { conditions?: Condition[] };
}

/** Conditions with "abnormal-true" polarity: present only while True (Flux's Stalled and Reconciling). */
const NEGATIVE = new Set(['Stalled', 'Reconciling']);
const ORDER = ['Stalled', 'Reconciling', 'Ready'];
/** Kubernetes caps condition messages at 32768 characters; Flux uses less for some kinds. */
const MAX_MESSAGE = 20_000;

/** Finds a condition by type. */
export function getCondition(obj: WithConditions, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

export function isTrue(obj: WithConditions, type: string): boolean {
  return getCondition(obj, type)?.status === 'True';
}

/**
 * Sets one condition. `lastTransitionTime` moves only when the status flips; conditions stay in
 * Flux's order (Stalled, Reconciling, Ready, then the rest by type).
 */
export function setCondition(
  obj: WithConditions,
  c: { type: string; status: Condition['status']; reason: string; message: string },
  now: Date = new Date(),
): void {
  obj.status ??= {};
  const list = (obj.status.conditions ??= []);
  const existing = list.find((x) => x.type === c.type);
  const message = c.message.length > MAX_MESSAGE ? c.message.slice(0, MAX_MESSAGE - 3) + '...' : c.message;
  const next: Condition = {
    type: c.type,
    status: c.status,
    observedGeneration: obj.metadata.generation ?? 0,
    lastTransitionTime:
      existing && existing.status === c.status
        ? existing.lastTransitionTime
        : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    reason: c.reason,
    message,
  };
  if (existing) Object.assign(existing, next);
  else list.push(next);
  sortConditions(list);
}

export function markTrue(obj: WithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: 'True', reason, message });
}

export function markFalse(obj: WithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: 'False', reason, message });
}

export function markUnknown(obj: WithConditions, type: string, reason: string, message: string): void {
  setCondition(obj, { type, status: 'Unknown', reason, message });
}

/** Removes a condition (used for the abnormal-true types once they stop being true). */
export function deleteCondition(obj: WithConditions, type: string): void {
  const list = obj.status?.conditions;
  if (!list) return;
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) list.splice(i, 1);
}

/** Reconciling=True and Ready=Unknown with the same reason and message, like Flux while work is under way. */
export function markReconciling(obj: WithConditions, reason: string, message: string): void {
  markTrue(obj, 'Reconciling', reason, message);
  const ready = getCondition(obj, 'Ready');
  if (!ready || ready.status !== 'False') markUnknown(obj, 'Ready', reason, message);
}

/** Stalled=True and Ready=False: a terminal problem that needs a spec change. */
export function markStalled(obj: WithConditions, reason: string, message: string): void {
  markTrue(obj, 'Stalled', reason, message);
  markFalse(obj, 'Ready', reason, message);
  deleteCondition(obj, 'Reconciling');
}

/** Ready=True and the abnormal-true conditions removed. */
export function markReady(obj: WithConditions, reason: string, message: string): void {
  markTrue(obj, 'Ready', reason, message);
  deleteCondition(obj, 'Reconciling');
  deleteCondition(obj, 'Stalled');
}

/** Sorts conditions in place: Stalled, Reconciling, Ready first, then by type. */
export function sortConditions(list: Condition[]): void {
  const rank = (t: string): number => {
    const i = ORDER.indexOf(t);
    return i < 0 ? ORDER.length : i;
  };
  list.sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

/** Whether a condition type is abnormal-true (only present while True). */
export const isNegativePolarity = (type: string): boolean => NEGATIVE.has(type);
