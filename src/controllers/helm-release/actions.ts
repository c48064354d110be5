// The actions of an atomic release, each run with the real helm binary: install and upgrade (one shape),
// test, rollback and uninstall remediation, and unlock of a release left pending. Each records what Helm
// stored in status.history and its outcome (condition, event, counters) through recordActionOutcome.
import { formatDuration } from '../../api/duration.ts';
import { HelmConditions, HelmReasons, actionTimeoutMs, type HelmSnapshot } from '../../api/helm-release.ts';
import { fullReleaseName, snapshotOf, testHooksOf, versionedChartName } from '../../helm/observation.ts';
import { isPending } from '../../helm/release-storage.ts';
import type { Values } from '../../helm/values.ts';
import { deleteCondition, markUnknown } from '../../runtime/conditions.ts';
import { messageOf } from '../shared.ts';
import { installOptionsOf, rollbackOptionsOf, uninstallOptionsOf, upgradeOptionsOf } from './action-options.ts';
import { applyChartCrds, crdPolicyOf } from './crds.ts';
import { waitForHealthExprs } from './health.ts';
import { observeInventory } from './inventory.ts';
import { recordActionOutcome } from './outcome.ts';
import {
  activeRemediation,
  hasBeenTested,
  installRemediation,
  latest,
  previousSnapshot,
  retryOf,
  upgradeRemediation,
} from './remediation.ts';
import { ActionError, StalledError, type Action, type ReleaseRequest } from './types.ts';

/**
 * Records the releases an action stored: the newest on top of history (with `action`), and the status of
 * older revisions the action changed (superseded, failed) refreshed in place (Flux's observedReleases).
 */
async function recordObserved(req: ReleaseRequest, beforeMax: number, action?: string): Promise<boolean> {
  const all = await req.storage.history(req.releaseName);
  const fresh = all.filter((r) => r.version > beforeMax);
  const history = (req.status.history ??= []);
  for (let i = 0; i < history.length; i++) {
    const h = history[i] as HelmSnapshot;
    const stored = all.find((r) => r.name === h.name && r.namespace === h.namespace && r.version === h.version);
    if (stored && stored.info.status !== h.status) {
      history[i] = {
        ...snapshotOf(stored, h.action, h.ociDigest),
        ...(h.testHooks ? { testHooks: h.testHooks } : {}),
      };
    }
  }
  const newest = fresh.at(-1);
  if (!newest) return false;
  // An install or upgrade was made from the chart of the last attempt (helm-controller's mutateOCIDigest).
  const madeFromChart = action === 'install' || action === 'upgrade';
  history.unshift(snapshotOf(newest, action, madeFromChart ? req.status.lastAttemptedRevisionDigest : undefined));
  return true;
}

const maxVersion = async (req: ReleaseRequest): Promise<number> =>
  (await req.storage.last(req.releaseName))?.version ?? 0;

/** Runs `fn`, resolving to what it threw (undefined when it succeeded). */
async function attempt(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (e) {
    return e ?? new Error('failed');
  }
}

/** Who helm acts as, in which cluster, and where it keeps the release. */
const actorOf = (req: ReleaseRequest) => ({
  storageNamespace: req.storageNamespace,
  ...(req.asUser ? { asUser: req.asUser } : {}),
  ...(req.remoteKubeConfig !== undefined ? { remoteKubeConfig: req.remoteKubeConfig } : {}),
});

interface ReleaseTarget {
  release: string;
  chartPath: string;
  values: Values;
  namespace: string;
  storageNamespace: string;
  asUser?: string;
  remoteKubeConfig?: string;
  signal: AbortSignal;
}

/**
 * Install or upgrade (helm-controller's Install and Upgrade reconcilers share their shape): run helm,
 * record the releases it stored, then Released with Flux's reason and message, an event, and the failure
 * counters. A failure that stored no release is an ActionError (retried, nothing to remediate).
 */
function releaseAction(
  name: 'install' | 'upgrade',
  run: (req: ReleaseRequest, target: ReleaseTarget) => Promise<void>,
): Action {
  const [succeeded, failed] =
    name === 'install'
      ? [HelmReasons.InstallSucceeded, HelmReasons.InstallFailed]
      : [HelmReasons.UpgradeSucceeded, HelmReasons.UpgradeFailed];
  return {
    name,
    type: 'release',
    async run(req) {
      const { obj, status, chart } = req;
      status.lastAttemptedReleaseAction = name;
      // An install resets the history: there is nothing before it to roll back to.
      if (name === 'install') status.history = [];
      deleteCondition(req, HelmConditions.TestSuccess);
      deleteCondition(req, HelmConditions.Remediated);
      const before = await maxVersion(req);
      const started = Date.now();
      const err = await attempt(() =>
        run(req, {
          release: req.releaseName,
          chartPath: chart.path,
          values: req.values,
          namespace: req.releaseNamespace,
          ...actorOf(req),
          signal: req.signal,
        }),
      );
      status.lastAttemptedReleaseActionDuration = formatDuration(Date.now() - started);
      const stored = await recordObserved(req, before, name);
      if (stored) await observeInventory(req);
      if (err !== undefined) {
        const message = `Helm ${name} failed for release ${req.releaseNamespace}/${req.releaseName} with chart ${chart.name}@${chart.version}: ${messageOf(err).trim()}`;
        const attempted = {
          chartVersion: chart.version,
          configDigest: req.configDigest,
          appVersion: chart.appVersion,
          ociDigest: status.lastAttemptedRevisionDigest,
        };
        await recordActionOutcome(req, HelmConditions.Released, { failed: true, reason: failed, message }, attempted);
        if (!stored) throw new ActionError(message);
        (name === 'install' ? installRemediation(obj) : upgradeRemediation(obj)).increment(status);
        return;
      }
      const cur = latest(status) as HelmSnapshot;
      // Under RetryOnFailure the failure counters only matter while the release is failed.
      if (retryOf(obj, name)) {
        delete status.failures;
        delete status.installFailures;
        delete status.upgradeFailures;
      }
      const message = `Helm ${name} succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
      await recordActionOutcome(
        req,
        HelmConditions.Released,
        { failed: false, reason: succeeded, message },
        cur,
        () => {
          if (obj.spec.test?.enable && !hasBeenTested(cur)) {
            const awaiting = `Helm release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} is awaiting tests`;
            markUnknown(req, HelmConditions.TestSuccess, HelmReasons.AwaitingTests, awaiting);
          }
        },
      );
    },
  };
}

export const installAction = releaseAction('install', async (req, target) => {
  const startedAt = Date.now();
  const options = installOptionsOf(req.obj);
  await applyChartCrds(req, crdPolicyOf(req.obj, 'install'), options.serverSide);
  await req.cli.install({ ...options, ...target });
  await waitForHealthExprs(req, { waited: options.wait !== 'hookOnly', timeoutMs: options.timeoutMs, startedAt });
});

export const upgradeAction = releaseAction('upgrade', async (req, target) => {
  const startedAt = Date.now();
  const last = await req.storage.last(req.releaseName);
  const options = upgradeOptionsOf(req.obj, last?.apply_method);
  await applyChartCrds(req, crdPolicyOf(req.obj, 'upgrade'), options.serverSide === 'true');
  await req.cli.upgrade({ ...options, ...target });
  await waitForHealthExprs(req, { waited: options.wait !== 'hookOnly', timeoutMs: options.timeoutMs, startedAt });
});

export const testAction: Action = {
  name: 'test',
  type: 'test',
  async run(req) {
    const { obj, status } = req;
    const cur = latest(status);
    if (!cur) throw new ActionError('no latest release: required for test');
    const err = await attempt(() =>
      req.cli.test({
        release: req.releaseName,
        namespace: req.releaseNamespace,
        ...actorOf(req),
        timeoutMs: actionTimeoutMs(obj.spec, 'test'),
        filters: obj.spec.test?.filters ?? [],
        signal: req.signal,
      }),
    );
    const rel = await req.storage.get(cur.name, cur.version);
    if (rel) cur.testHooks = testHooksOf(rel, obj.spec.test?.filters ?? []);
    const subject = `Helm test ${err !== undefined || !rel ? 'failed' : 'succeeded'} for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
    if (err !== undefined || !rel) {
      const message = `${subject}: ${messageOf(err ?? 'release disappeared from storage').trim()}`;
      const outcome = { failed: true, reason: HelmReasons.TestFailed, message };
      await recordActionOutcome(req, HelmConditions.TestSuccess, outcome, cur, () => {
        const remediation = activeRemediation(obj, status);
        const ignore = remediation?.ignoreTestFailures(obj.spec.test?.ignoreFailures ?? false);
        if (hasBeenTested(cur) && remediation && !ignore) remediation.increment(status);
      });
      if (!hasBeenTested(cur)) throw new ActionError(message);
      return;
    }
    const n = Object.keys(cur.testHooks ?? {}).length;
    const hooks = n > 0 ? `${n} test ${n > 1 ? 'hooks' : 'hook'} completed successfully` : 'no test hooks';
    const outcome = { failed: false, reason: HelmReasons.TestSucceeded, message: `${subject}: ${hooks}` };
    await recordActionOutcome(req, HelmConditions.TestSuccess, outcome, cur);
  },
};

/**
 * The outcome of a remediation (rollback or uninstall): Remediated=False, a Warning and an ActionError when
 * `err` is set, else Remediated=True and a Normal event.
 */
async function recordRemediation(
  req: ReleaseRequest,
  err: unknown,
  snapshot: HelmSnapshot,
  o: { subject: string; failed: string; succeeded: string },
): Promise<void> {
  const failed = err !== undefined;
  const message = failed ? `${o.subject} failed: ${messageOf(err).trim()}` : `${o.subject} succeeded`;
  const reason = failed ? o.failed : o.succeeded;
  await recordActionOutcome(req, HelmConditions.Remediated, { failed, reason, message }, snapshot);
  if (failed) throw new ActionError(message);
}

export const rollbackAction: Action = {
  name: 'rollback',
  type: 'remediate',
  async run(req) {
    const { obj, status } = req;
    const ignore = upgradeRemediation(obj).ignoreTestFailures(obj.spec.test?.ignoreFailures ?? false);
    const prev = previousSnapshot(status.history ?? [], ignore);
    if (!prev)
      throw new StalledError(
        HelmReasons.MissingRollbackTarget,
        'Failed to perform remediation: missing target release for rollback',
      );
    const before = await maxVersion(req);
    const target = await req.storage.get(prev.name, prev.version);
    const err = await attempt(() =>
      req.cli.rollback({
        ...rollbackOptionsOf(obj, target?.apply_method),
        release: prev.name,
        version: prev.version,
        namespace: req.releaseNamespace,
        ...actorOf(req),
        signal: req.signal,
      }),
    );
    if (await recordObserved(req, before, 'rollback')) await observeInventory(req);
    await recordRemediation(req, err, prev, {
      subject: `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)}`,
      failed: HelmReasons.RollbackFailed,
      succeeded: HelmReasons.RollbackSucceeded,
    });
  },
};

export const uninstallRemediationAction: Action = {
  name: 'uninstall',
  type: 'remediate',
  async run(req) {
    const cur = latest(req.status);
    if (!cur) throw new ActionError('no latest release: required to remediate');
    const err = await attempt(() =>
      req.cli.uninstall({
        ...uninstallOptionsOf(req.obj),
        release: cur.name,
        namespace: req.releaseNamespace,
        ...actorOf(req),
        signal: req.signal,
      }),
    );
    const stored = await req.storage.get(cur.name, cur.version);
    if (stored) Object.assign(cur, snapshotOf(stored, cur.action, cur.ociDigest));
    else cur.status = 'uninstalled';
    await recordRemediation(req, err, cur, {
      subject: `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`,
      failed: HelmReasons.UninstallFailed,
      succeeded: HelmReasons.UninstallSucceeded,
    });
  },
};

export const unlockAction: Action = {
  name: 'unlock',
  type: 'unlock',
  async run(req) {
    const rel = await req.storage.last(req.releaseName);
    if (!rel || !isPending(rel.info.status)) return;
    const from = rel.info.status;
    const history = (req.status.history ??= []);
    let cur = history.find((h) => h.name === rel.name && h.namespace === rel.namespace && h.version === rel.version);
    if (!cur) {
      cur = snapshotOf(rel);
      history.unshift(cur);
    }
    const err = await attempt(() => req.storage.markFailed(rel, `Release unlocked from stale '${from}' state`));
    const subject = `Helm release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} in ${from} state`;
    if (err !== undefined) {
      const message = `Unlock of ${subject} failed: ${messageOf(err)}`;
      await recordActionOutcome(
        req,
        HelmConditions.Released,
        { failed: true, reason: HelmReasons.PendingRelease, message },
        cur,
      );
      throw new ActionError(message);
    }
    const updated = await req.storage.get(rel.name, rel.version);
    if (updated) Object.assign(cur, snapshotOf(updated, cur.action, cur.ociDigest));
    const outcome = {
      failed: false,
      reason: HelmReasons.PendingRelease,
      message: `Unlocked ${subject}`,
      successStatus: 'False' as const,
    };
    await recordActionOutcome(req, HelmConditions.Released, outcome, cur);
  },
};
