// helm-controller's atomic release as a loop: determine the state of the release Helm stored, pick the
// next action (install, upgrade, test, rollback or uninstall remediation, unlock), run it with the real
// helm binary, record what it stored in status.history, summarise Ready, and go round again until the
// release is in sync, the same kind of action would run twice, or a remediation has run.
import { formatDuration } from '../../api/duration.ts';
import {
  HelmConditions,
  HelmReasons,
  actionTimeoutMs,
  helmReleaseTimeoutMs,
  type HelmSnapshot,
} from '../../api/helm-release.ts';
import type { ObjectDiff } from '../../helm/drift.ts';
import { fullReleaseName, releaseDigest, sameValues, versionedChartName } from '../../helm/observation.ts';
import { isPending, type HelmStoredRelease } from '../../helm/release-storage.ts';
import { deleteCondition, getCondition, isTrue, markFalse, markTrue, markUnknown } from '../../runtime/conditions.ts';
import { messageOf } from '../shared.ts';
import {
  installAction,
  rollbackAction,
  testAction,
  uninstallRemediationAction,
  unlockAction,
  upgradeAction,
} from './actions.ts';
import { DriftReasons, correctDriftAction, driftMode, mustDetectChanges, releaseDrift, reportDrift } from './drift.ts';
import { summarize } from './outcome.ts';
import { observedDigests } from '../../helm/post-render.ts';
import {
  activeRemediation,
  activeRetry,
  hasBeenTested,
  hasFailedTest,
  ignoresTestFailures,
  installRemediation,
  latest,
  previousSnapshot,
  truncateHistory,
  truncateHistoryKeepingNewest,
  upgradeRemediation,
} from './remediation.ts';
import { StalledError, type Action, type ActionType, type ReleaseOutcome, type ReleaseRequest } from './types.ts';

type State =
  | { status: 'Absent' | 'Unmanaged' | 'OutOfSync' | 'Locked' | 'Untested' | 'InSync' | 'Failed'; reason?: string }
  | { status: 'Drifted'; diff: ObjectDiff[] };

/** Flux's DetermineReleaseState, on the release Helm stored (read from its Secrets). */
export async function determineState(req: ReleaseRequest): Promise<State> {
  const rel = await req.storage.last(req.releaseName);
  if (!rel) return { status: 'Absent', reason: 'no release in storage for object' };
  if (isPending(rel.info.status)) return { status: 'Locked', reason: `release with status '${rel.info.status}'` };
  const cur = latest(req.status);
  if (!cur) {
    if (rel.info.status === 'uninstalled') return { status: 'Absent', reason: 'found uninstalled release in storage' };
    return { status: 'Unmanaged', reason: 'found existing release in storage' };
  }
  if (!observes(cur, rel)) return { status: 'Unmanaged', reason: 'release not observed to be made for object' };
  switch (rel.info.status) {
    case 'failed':
      return { status: 'Failed' };
    case 'uninstalled':
      return { status: 'Absent', reason: 'found uninstalled release in storage' };
    case 'deployed': {
      const meta = rel.chart.metadata;
      if (meta.name !== req.chart.name || meta.version !== req.chart.version) {
        return { status: 'OutOfSync', reason: 'release chart changed' };
      }
      if (cur.configDigest !== req.configDigest && !sameValues(rel.config, req.values)) {
        return { status: 'OutOfSync', reason: 'release config values changed' };
      }
      // Post-renderers and common metadata are compared for a new generation only (their digests are
      // recorded after each release action).
      if (req.obj.status?.observedGeneration !== req.obj.metadata.generation) {
        const digests = observedDigests(req.obj);
        if (digests.postRenderers !== (req.status.observedPostRenderersDigest ?? ''))
          return { status: 'OutOfSync', reason: 'postrenderers digest has changed' };
        if (digests.commonMetadata !== (req.status.observedCommonMetadataDigest ?? ''))
          return { status: 'OutOfSync', reason: 'common metadata digest has changed' };
      }
      const test = req.obj.spec.test;
      if (test?.enable) {
        if (!hasBeenTested(cur)) return { status: 'Untested' };
        const remediation = activeRemediation(req.obj, req.status);
        if (remediation && !remediation.ignoreTestFailures(test.ignoreFailures ?? false) && hasFailedTest(cur)) {
          return { status: 'Failed', reason: 'release has test in failed phase' };
        }
      }
      if (mustDetectChanges(req)) {
        const diff = await releaseDrift(req, rel);
        if (diff) return { status: 'Drifted', diff };
      }
      return { status: 'InSync' };
    }
    default:
      throw new Error(`unable to determine state for release with status '${rel.info.status}'`);
  }
}

/** The snapshot describes this stored release (Flux's VerifyReleaseObject, for snapshots of api v2). */
function observes(cur: HelmSnapshot, rel: HelmStoredRelease): boolean {
  if (cur.name !== rel.name || cur.namespace !== rel.namespace || cur.version !== rel.version) return false;
  if (cur.apiVersion !== 'v2') return true;
  return cur.digest === releaseDigest(rel, cur.ociDigest);
}

/** A release in sync after a remediation: Remediated goes, Released is the upgrade's success again. */
function clearRemediated(req: ReleaseRequest, cur: HelmSnapshot): void {
  if (!isTrue(req, HelmConditions.Remediated)) return;
  deleteCondition(req, HelmConditions.Remediated);
  const msg = `Helm upgrade succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
  markTrue(req, HelmConditions.Released, HelmReasons.UpgradeSucceeded, msg);
}

/** Flux's actionForState. */
async function actionFor(req: ReleaseRequest, state: State): Promise<Action | undefined> {
  const { obj, status } = req;
  switch (state.status) {
    case 'InSync': {
      if (activeRetry(obj, status)) truncateHistoryKeepingNewest(status);
      else truncateHistory(status, ignoresTestFailures(obj, status));
      if (req.forceRequested) return upgradeAction;
      const cur = latest(status) as HelmSnapshot;
      clearRemediated(req, cur);
      if (!isTrue(req, 'Ready') || !isTrue(req, HelmConditions.Released)) {
        const reason = getCondition(req, HelmConditions.Released)?.reason;
        if (reason === HelmReasons.InstallFailed || reason === HelmReasons.UpgradeFailed) {
          const install = reason === HelmReasons.InstallFailed;
          markTrue(
            req,
            HelmConditions.Released,
            install ? HelmReasons.InstallSucceeded : HelmReasons.UpgradeSucceeded,
            `Helm ${install ? 'install' : 'upgrade'} succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`,
          );
        }
      }
      if (mustDetectChanges(req)) {
        markFalse(
          req,
          HelmConditions.Drifted,
          DriftReasons.NoDriftDetected,
          'No drift detected against the cluster state',
        );
      }
      return undefined;
    }
    case 'Drifted':
      await reportDrift(req, state.diff);
      return driftMode(req) === 'enabled' ? correctDriftAction(state.diff) : undefined;
    case 'Locked':
      return unlockAction;
    case 'Absent':
      if (installRemediation(obj).exhausted(status) && !req.forceRequested) {
        throw new StalledError(HelmReasons.RetriesExceeded, retriesMessage(req));
      }
      return installAction;
    case 'Unmanaged':
      status.history = [];
      return upgradeAction;
    case 'OutOfSync':
      if (upgradeRemediation(obj).exhausted(status) && !req.forceRequested) {
        throw new StalledError(HelmReasons.RetriesExceeded, retriesMessage(req));
      }
      return upgradeAction;
    case 'Untested':
      clearRemediated(req, latest(status) as HelmSnapshot);
      return testAction;
    case 'Failed': {
      // RetryOnFailure: no remediation, the failed release is upgraded again (as a forced upgrade would be).
      if (activeRetry(obj, status)) {
        truncateHistoryKeepingNewest(status);
        return upgradeAction;
      }
      const remediation = activeRemediation(obj, status);
      if (!remediation || remediation.failureCount(status) <= 0 || req.forceRequested) return upgradeAction;
      if (remediation.exhausted(status) && !remediation.remediateLastFailure) {
        throw new StalledError(HelmReasons.RetriesExceeded, retriesMessage(req));
      }
      const ignore = remediation.ignoreTestFailures(obj.spec.test?.ignoreFailures ?? false);
      truncateHistory(status, ignore);
      if (remediation.strategy === 'uninstall') return uninstallRemediationAction;
      const prev = previousSnapshot(status.history ?? [], ignore);
      if (!prev) {
        throw new StalledError(
          HelmReasons.MissingRollbackTarget,
          'Failed to perform remediation: missing target release for rollback: cannot remediate failed release',
        );
      }
      const stored = await req.storage.get(prev.name, prev.version);
      if (!stored || (prev.apiVersion === 'v2' && releaseDigest(stored, prev.ociDigest) !== prev.digest))
        return upgradeAction;
      return rollbackAction;
    }
  }
}

function retriesMessage(req: ReleaseRequest): string {
  const count = activeRemediation(req.obj, req.status)?.failureCount(req.status) ?? 0;
  return `Failed to ${req.status.lastAttemptedReleaseAction ?? 'install'} after ${count} attempt(s)`;
}

const timeoutOf = (req: ReleaseRequest, a: Action): number => {
  const spec = req.obj.spec;
  if (a.name === 'install' || a.name === 'upgrade' || a.name === 'test' || a.name === 'rollback')
    return actionTimeoutMs(spec, a.name);
  if (a.name === 'uninstall') return actionTimeoutMs(spec, 'uninstall');
  return helmReleaseTimeoutMs(spec);
};

const readyMessage = (req: ReleaseRequest): string => getCondition(req, 'Ready')?.message ?? '';

/** Under RetryOnFailure: Reconciling ProgressingWithRetry "retrying after <interval>" and the retry outcome. */
function retryAfterInterval(req: ReleaseRequest): ReleaseOutcome | undefined {
  const retry = activeRetry(req.obj, req.status);
  if (!retry) return undefined;
  markTrue(req, 'Reconciling', 'ProgressingWithRetry', `retrying after ${formatDuration(retry.intervalMs)}`);
  return { kind: 'retry', afterMs: retry.intervalMs };
}

/** Runs the atomic release (Flux's AtomicRelease.Reconcile) and says how it ended. */
export async function atomicRelease(req: ReleaseRequest): Promise<ReleaseOutcome> {
  const previous: ActionType[] = [];
  for (;;) {
    req.signal.throwIfAborted();
    let next: Action | undefined;
    try {
      const state = await determineState(req);
      next = await actionFor(req, state);
    } catch (err) {
      if (err instanceof StalledError) return { kind: 'stalled', reason: err.reason, message: err.message };
      return {
        kind: 'error',
        reason: HelmReasons.StateError,
        message: `Could not determine release state: ${messageOf(err)}`,
      };
    }
    if (!next) {
      deleteCondition(req, 'Reconciling');
      summarize(req);
      return isTrue(req, 'Ready') ? { kind: 'ready' } : { kind: 'notReady' };
    }
    if (previous.includes(next.type)) {
      const retry = retryAfterInterval(req);
      if (retry) return retry;
      const remediation = activeRemediation(req.obj, req.status);
      if (!remediation || !remediation.exhausted(req.status)) {
        markTrue(req, 'Reconciling', 'ProgressingWithRetry', readyMessage(req));
        return { kind: 'requeue' };
      }
      deleteCondition(req, 'Reconciling');
      return { kind: 'notReady' };
    }
    const msg = `Running '${next.name}' action with timeout of ${formatDuration(timeoutOf(req, next))}`;
    markTrue(req, 'Reconciling', 'Progressing', msg);
    if (next.type === 'release') markUnknown(req, 'Ready', 'Progressing', msg);
    await req.write();
    try {
      await next.run(req);
    } catch (err) {
      if (err instanceof StalledError) return { kind: 'stalled', reason: err.reason, message: err.message };
      if (req.signal.aborted) throw err;
      const retry = retryAfterInterval(req);
      if (retry) return retry;
      if (isTrue(req, 'Ready')) markFalse(req, 'Ready', 'ReconcileError', messageOf(err));
      const ready = getCondition(req, 'Ready');
      return { kind: 'error', reason: ready?.reason ?? 'ReconcileError', message: ready?.message ?? messageOf(err) };
    }
    if (next.type === 'remediate') {
      const retry = retryAfterInterval(req);
      if (retry) return retry;
      const remediation = activeRemediation(req.obj, req.status);
      if (!remediation || !remediation.exhausted(req.status) || remediation.uninstallAfterUpgrade) {
        markTrue(req, 'Reconciling', 'ProgressingWithRetry', readyMessage(req));
        return { kind: 'requeue' };
      }
      return { kind: 'stalled', reason: HelmReasons.RetriesExceeded, message: retriesMessage(req) };
    }
    previous.push(next.type);
    await req.write();
  }
}
