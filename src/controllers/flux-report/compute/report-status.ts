// The report's Ready condition and the "is a write needed" decision, as pure functions.
import { isDeepStrictEqual } from 'node:util';
import { Annotations } from '../../../api/constants.ts';
import { formatDuration } from '../../../api/duration.ts';
import type { FluxReport, FluxReportSpec, FluxReportStatus } from '../../../api/flux-report.ts';
import type { Condition } from '../../../api/meta.ts';

/** Condition reasons of the FluxReport: success, or the part of the report that could not be computed. */
export const ReportReasons = {
  Succeeded: 'ReconciliationSucceeded',
  DistributionFailed: 'DistributionReportFailed',
  ClusterFailed: 'ClusterReportFailed',
  ComponentsFailed: 'ComponentsReportFailed',
  ReconcilersFailed: 'ReconcilersReportFailed',
  SyncFailed: 'SyncReportFailed',
} as const;

/** A part of the report that could not be computed: the condition reason and a readable message. */
export interface PartFailure {
  reason: string;
  message: string;
}

const SUCCESS_PREFIX = 'Reporting finished in ';

/**
 * The Ready condition of a report computed in `tookMs`: True `Reporting finished in <duration>`, or
 * False with the first failure's reason and every failure's message (the Flux Operator logs such
 * errors and still says True; hiding them makes a broken report look healthy).
 */
export function reportReadyCondition(input: {
  tookMs: number;
  failures: readonly PartFailure[];
  generation: number;
  now: Date;
}): Condition {
  const first = input.failures[0];
  const base = { type: 'Ready', observedGeneration: input.generation, lastTransitionTime: rfc3339(input.now) };
  if (!first)
    return {
      ...base,
      status: 'True',
      reason: ReportReasons.Succeeded,
      message: `${SUCCESS_PREFIX}${formatDuration(input.tookMs)}`,
    };
  const message = `Reporting finished in ${formatDuration(input.tookMs)} with errors: ${input.failures.map((f) => f.message).join('; ')}`;
  return { ...base, status: 'False', reason: first.reason, message };
}

/** The reconcile token to echo when the report has an unhandled `reconcile.fluxcd.io/requestedAt`. */
export function pendingRequest(report: FluxReport): string | undefined {
  const token = report.metadata.annotations?.[Annotations.reconcileRequestedAt];
  return token && token !== report.status?.lastHandledReconcileAt ? token : undefined;
}

/** Whether the observed spec differs from the stored one (field order does not matter). */
export function specChanged(stored: FluxReportSpec | undefined, computed: FluxReportSpec): boolean {
  return !isDeepStrictEqual(plain(stored), plain(computed));
}

/**
 * Whether the Ready condition differs in substance: timestamps, observedGeneration and the measured
 * duration are ignored, so a periodic report that found nothing new does not write.
 */
export function conditionChanged(stored: FluxReportStatus | undefined, next: Condition): boolean {
  const current = stored?.conditions?.find((c) => c.type === 'Ready');
  if (!current) return true;
  return (
    current.status !== next.status ||
    current.reason !== next.reason ||
    withoutDuration(current.message) !== withoutDuration(next.message)
  );
}

// Durations are the only part of the message that changes on every run.
const withoutDuration = (message: string): string =>
  message.replace(/^Reporting finished in \S+/, 'Reporting finished in <d>');

// Drops undefined members so a computed object compares equal to the one read back from the API.
const plain = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// metav1.Time has second precision.
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');
