import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The artifact `metadata` key under which a source publishes the commit time of its revision
 * (RFC 3339, UTC), so an applier can measure commit-to-applied latency.
 */
export const CommitTimeMetadataKey = 'driftless.dev/commit-time';

/** The SLI metric names, for dashboards, alerts and tests. */
export const SliMetricNames = {
  reconcileTotal: 'driftless_reconcile_total',
  reconcileErrors: 'driftless_reconcile_errors_total',
  commitToApplied: 'driftless_commit_to_applied_seconds',
  imageAutomationFailures: 'driftless_image_automation_failures_total',
  gitPushDuration: 'driftless_git_push_duration_seconds',
} as const;

/** The artifact metadata entry that carries `commitTime`. */
export function commitTimeMetadata(commitTime: Date): Record<string, string> {
  return { [CommitTimeMetadataKey]: commitTime.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** The commit time an artifact's metadata carries; `undefined` when absent or not a valid time. */
export function commitTimeOf(metadata: Readonly<Record<string, string>> | undefined): Date | undefined {
  const raw = metadata?.[CommitTimeMetadataKey];
  if (!raw) return undefined;
  const time = new Date(raw);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** One finished apply, as the applier's reconciler sees it. */
export interface AppliedRevision {
  /** The applier's kind (`Kustomization`, …): the `kind` label. */
  kind: string;
  revision: string;
  /** `status.lastAppliedRevision` before this apply. */
  previousRevision?: string | undefined;
  /** The source artifact's `metadata` (see {@link CommitTimeMetadataKey}). */
  artifactMetadata?: Readonly<Record<string, string>> | undefined;
  /** The applier's `metadata.creationTimestamp`. */
  createdAt?: string | undefined;
  /** When the apply finished; default now. */
  appliedAt?: Date;
}

/**
 * Commit-to-applied seconds of an apply, or `undefined` when it does not measure delivery: the
 * revision was applied before, the commit time is unknown, or the commit predates the applier
 * (a new Kustomization on an old commit measures onboarding, and would swamp the percentiles).
 * Clock skew between Git and this process never yields a negative latency.
 */
export function commitToAppliedSeconds(a: AppliedRevision): number | undefined {
  if (a.previousRevision === a.revision) return undefined;
  const commit = commitTimeOf(a.artifactMetadata);
  if (!commit) return undefined;
  const created = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
  if (!Number.isNaN(created) && commit.getTime() < created) return undefined;
  return Math.max(0, ((a.appliedAt ?? new Date()).getTime() - commit.getTime()) / 1000);
}

export interface SliMetricsOptions {
  registry: Registry;
  /** Kinds whose success/failure series start at zero (so `rate()` sees the first change); default none. */
  kinds?: readonly string[];
}

type Outcome = 'success' | 'failure';

/**
 * Beyond Flux: the service-level indicators as metrics, kind-agnostic. Any number of instances may
 * share a registry; they share its series. M1 success ratio and M5 errors by Ready reason come
 * from {@link SliMetrics.reconciled}; M2 from {@link SliMetrics.applied}; M4 and M7 from the image
 * reconcilers ({@link SliMetrics.imageAutomationFailed}, {@link SliMetrics.startGitPush}). Drift (M3), notification delivery (M10) and queue depth (M8)
 * live with their owners (`driftless_drift_*`, `driftless_notification_delivery_total`, `workqueue_depth`).
 */
export class SliMetrics {
  private readonly total: Counter<'kind' | 'result'>;
  private readonly errors: Counter<'kind' | 'reason'>;
  private readonly commitToApplied: Histogram<'kind'>;
  private readonly imageFailures: Counter<'reason'>;
  private readonly gitPush: Histogram<never>;

  constructor(opts: SliMetricsOptions) {
    const registers = [opts.registry];
    const reuse = <T>(name: string, create: () => T): T =>
      (opts.registry.getSingleMetric(name) as T | undefined) ?? create();
    this.total = reuse(
      SliMetricNames.reconcileTotal,
      () =>
        new Counter({
          name: SliMetricNames.reconcileTotal,
          help: 'Finished reconciles of Flux objects by kind and outcome: success (Ready=True) or failure (Ready=False; waiting on dependencies is neither)',
          labelNames: ['kind', 'result'],
          registers,
        }),
    );
    this.errors = reuse(
      SliMetricNames.reconcileErrors,
      () =>
        new Counter({
          name: SliMetricNames.reconcileErrors,
          help: 'Failed reconciles of Flux objects by kind and Ready reason (e.g. BuildFailed, GitOperationFailed)',
          labelNames: ['kind', 'reason'],
          registers,
        }),
    );
    this.commitToApplied = reuse(
      SliMetricNames.commitToApplied,
      () =>
        new Histogram({
          name: SliMetricNames.commitToApplied,
          help: 'Seconds from the commit time in Git to the apply of that revision finishing, once per newly applied revision committed after the applier existed',
          labelNames: ['kind'],
          buckets: [5, 10, 20, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200],
          registers,
        }),
    );
    this.imageFailures = reuse(
      SliMetricNames.imageAutomationFailures,
      () =>
        new Counter({
          name: SliMetricNames.imageAutomationFailures,
          help: 'Failed image automation runs (image scans, policies and update automations) by reason',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.gitPush = reuse(
      SliMetricNames.gitPushDuration,
      () =>
        new Histogram({
          name: SliMetricNames.gitPushDuration,
          help: 'Seconds a Git write (commit and push by image update automation) took, successful or not',
          buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
          registers,
        }),
    );
    for (const kind of opts.kinds ?? []) {
      for (const result of ['success', 'failure'] satisfies Outcome[]) this.total.inc({ kind, result }, 0);
    }
  }

  /** Records a finished reconcile: success without a reason, failure with its Ready reason. */
  reconciled(kind: string, failureReason?: string): void {
    if (failureReason === undefined) {
      this.total.inc({ kind, result: 'success' });
      return;
    }
    this.total.inc({ kind, result: 'failure' });
    this.errors.inc({ kind, reason: failureReason || 'Unknown' });
  }

  /** Observes commit-to-applied latency when the apply is a newly delivered revision (see {@link commitToAppliedSeconds}). */
  applied(a: AppliedRevision): void {
    const seconds = commitToAppliedSeconds(a);
    if (seconds !== undefined) this.commitToApplied.observe({ kind: a.kind }, seconds);
  }

  /** Hook (M4): an image automation run failed with `reason`. */
  imageAutomationFailed(reason: string): void {
    this.imageFailures.inc({ reason });
  }

  /** Hook (M7): starts timing a Git write; call the returned function when it ends. */
  startGitPush(): () => void {
    const end = this.gitPush.startTimer();
    return () => void end();
  }
}
