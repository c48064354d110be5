// The remediation of the last attempted release action (install or upgrade), as helm-controller's api/v2
// defines it, and the history helpers it relies on (tested, previous good revision, truncation).
import { parseDuration } from '../../api/duration.ts';
import type { HelmRelease, HelmReleaseStatus, HelmSnapshot } from '../../api/helm-release.ts';

export const latest = (s: HelmReleaseStatus): HelmSnapshot | undefined => s.history?.[0];

/** Flux's Snapshot.HasBeenTested. */
export function hasBeenTested(s: HelmSnapshot | undefined): boolean {
  if (!s || s.testHooks === undefined) return false;
  const hooks = Object.values(s.testHooks);
  if (hooks.length === 0) return true;
  if (hooks.some((h) => h.phase === 'Failed')) return true;
  return hooks.every((h) => h.phase === 'Succeeded');
}

export const hasFailedTest = (s: HelmSnapshot | undefined): boolean =>
  Object.values(s?.testHooks ?? {}).some((h) => h.phase === 'Failed');

/** The active remediation (by the last attempted action). */
export interface Remediation {
  retries: number;
  ignoreTestFailures(def: boolean): boolean;
  remediateLastFailure: boolean;
  strategy: 'rollback' | 'uninstall';
  failureCount(s: HelmReleaseStatus): number;
  increment(s: HelmReleaseStatus): void;
  exhausted(s: HelmReleaseStatus): boolean;
  uninstallAfterUpgrade: boolean;
}

export function installRemediation(hr: HelmRelease): Remediation {
  const r = hr.spec.install?.remediation ?? {};
  const retries = r.retries ?? 0;
  return {
    retries,
    ignoreTestFailures: (def) => r.ignoreTestFailures ?? def,
    remediateLastFailure: r.remediateLastFailure ?? false,
    strategy: 'uninstall',
    failureCount: (s) => s.installFailures ?? 0,
    increment: (s) => void (s.installFailures = (s.installFailures ?? 0) + 1),
    exhausted: (s) => retries >= 0 && (s.installFailures ?? 0) > retries,
    uninstallAfterUpgrade: false,
  };
}

export function upgradeRemediation(hr: HelmRelease): Remediation {
  const r = hr.spec.upgrade?.remediation ?? {};
  const retries = r.retries ?? 0;
  const strategy = r.strategy ?? 'rollback';
  return {
    retries,
    ignoreTestFailures: (def) => r.ignoreTestFailures ?? def,
    remediateLastFailure: r.remediateLastFailure ?? retries > 0,
    strategy,
    failureCount: (s) => s.upgradeFailures ?? 0,
    increment: (s) => void (s.upgradeFailures = (s.upgradeFailures ?? 0) + 1),
    exhausted: (s) => retries >= 0 && (s.upgradeFailures ?? 0) > retries,
    uninstallAfterUpgrade: strategy === 'uninstall',
  };
}

export function activeRemediation(hr: HelmRelease, s: HelmReleaseStatus): Remediation | undefined {
  if (s.lastAttemptedReleaseAction === 'install') return installRemediation(hr);
  if (s.lastAttemptedReleaseAction === 'upgrade') return upgradeRemediation(hr);
  return undefined;
}

/** Whether test failures are ignored: the active remediation's say, else `spec.test.ignoreFailures`. */
export function ignoresTestFailures(hr: HelmRelease, s: HelmReleaseStatus, r = activeRemediation(hr, s)): boolean {
  const def = hr.spec.test?.ignoreFailures ?? false;
  return r ? r.ignoreTestFailures(def) : def;
}

const good = (s: HelmSnapshot, ignoreTests: boolean): boolean =>
  (s.status === 'deployed' || s.status === 'superseded') && (ignoreTests || !hasFailedTest(s));

/** Flux's Snapshots.Previous: the newest deployed or superseded revision after the latest. */
export function previousSnapshot(history: HelmSnapshot[], ignoreTests: boolean): HelmSnapshot | undefined {
  const sorted = [...history].sort((a, b) => b.version - a.version);
  return sorted.slice(1).find((s) => good(s, ignoreTests));
}

/** Flux's Snapshots.Truncate: keep up to the previous good revision, at most 5. */
export function truncateHistory(status: HelmReleaseStatus, ignoreTests: boolean): void {
  const history = status.history;
  if (!history || history.length < 2) return;
  history.sort((a, b) => b.version - a.version);
  for (let i = 1; i < history.length; i++) {
    if (good(history[i] as HelmSnapshot, ignoreTests)) {
      history.splice(i + 1);
      return;
    }
  }
  if (history.length > 5) history.splice(5);
}

/** The retry strategy of an action (`strategy.name: RetryOnFailure`): failures are retried, never remediated. */
export interface Retry {
  /** `strategy.retryInterval`, default 5m. */
  intervalMs: number;
}

const defaultRetryIntervalMs = 5 * 60_000;

/** Flux's GetRetry of `spec.install` or `spec.upgrade`: set only for the RetryOnFailure strategy. */
export function retryOf(hr: HelmRelease, action: 'install' | 'upgrade'): Retry | undefined {
  const strategy = (action === 'install' ? hr.spec.install : hr.spec.upgrade)?.strategy;
  if (strategy?.name !== 'RetryOnFailure') return undefined;
  const field = `spec.${action}.strategy.retryInterval`;
  return { intervalMs: strategy.retryInterval ? parseDuration(strategy.retryInterval, field) : defaultRetryIntervalMs };
}

/** Flux's GetActiveRetry: the retry strategy of the last attempted release action. */
export function activeRetry(hr: HelmRelease, s: HelmReleaseStatus): Retry | undefined {
  const action = s.lastAttemptedReleaseAction;
  return action === 'install' || action === 'upgrade' ? retryOf(hr, action) : undefined;
}

/** Flux's Snapshots.TruncateIgnoringPreviousSnapshots: newest first, at most 5. */
export function truncateHistoryKeepingNewest(status: HelmReleaseStatus): void {
  const history = status.history;
  if (!history) return;
  history.sort((a, b) => b.version - a.version);
  if (history.length > 5) history.splice(5);
}
