// helm-controller's atomic release as a loop: determine the state of the release Helm stored, pick the
// next action (install, upgrade, test, rollback or uninstall remediation, unlock), run it with the real
// helm binary, record what it stored in status.history, summarise Ready, and go round again until the
// release is in sync, the same kind of action would run twice, or a remediation has run.
import { formatDuration } from '../../api/duration.ts';
import {
  HelmConditions,
  HelmReasons,
  actionTimeoutMs,
  maxHistory,
  type HelmRelease,
  type HelmReleaseStatus,
  type HelmSnapshot,
} from '../../api/helm-release.ts';
import type { HelmCli, WaitStrategy } from '../../helm/cli.ts';
import {
  fullReleaseName,
  sameValues,
  snapshotOf,
  testHooksOf,
  versionedChartName,
  releaseDigest,
} from '../../helm/observation.ts';
import { isPending, type HelmStoredRelease, type ReleaseStorage } from '../../helm/release-storage.ts';
import type { Values } from '../../helm/values.ts';
import {
  deleteCondition,
  getCondition,
  isTrue,
  markFalse,
  markTrue,
  markUnknown,
  setCondition,
  type Condition,
} from '../../runtime/conditions.ts';
import type { RecordOptions } from '../../runtime/events.ts';
import { messageOf } from '../shared.ts';

/** The loaded chart: where helm finds it, and its Chart.yaml identity. */
export interface LoadedChart {
  path: string;
  name: string;
  version: string;
  appVersion?: string;
}

/** Everything one atomic release works on; `status` is mutated in place. */
export interface ReleaseRequest {
  obj: HelmRelease;
  metadata: HelmRelease['metadata'];
  status: HelmReleaseStatus;
  chart: LoadedChart;
  values: Values;
  configDigest: string;
  releaseName: string;
  releaseNamespace: string;
  cli: HelmCli;
  storage: ReleaseStorage;
  asUser?: string;
  forceRequested: boolean;
  signal: AbortSignal;
  /** Writes the status now (Flux patches before each action). */
  write(): Promise<void>;
  event(e: RecordOptions): Promise<void>;
}

/** How the loop ended. */
export type ReleaseOutcome =
  | { kind: 'ready' }
  /** Ready is False; retry soon (Flux: requeue). */
  | { kind: 'requeue' }
  /** Ready is False; no retry until the spec changes (Flux: terminal error). */
  | { kind: 'stalled'; reason: string; message: string }
  /** Nothing more to do now, but Ready is not True (e.g. retries exhausted): come back at the interval. */
  | { kind: 'notReady' }
  /** An action failed before storing anything: retry with backoff. */
  | { kind: 'error'; reason: string; message: string };

type ActionType = 'release' | 'test' | 'remediate' | 'unlock';
type ActionName = 'install' | 'upgrade' | 'test' | 'rollback' | 'uninstall' | 'unlock';
interface Action {
  name: ActionName;
  type: ActionType;
  run(req: ReleaseRequest): Promise<void>;
}

type State =
  | { status: 'Absent' | 'Unmanaged' | 'OutOfSync' | 'Locked' | 'Untested' | 'InSync'; reason?: string }
  | { status: 'Failed'; reason?: string };

/** The action failed before changing Helm's storage (nothing to remediate): a plain error, retried. */
class ActionError extends Error {}

class StalledError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const latest = (s: HelmReleaseStatus): HelmSnapshot | undefined => s.history?.[0];

/** Flux's Snapshot.HasBeenTested. */
function hasBeenTested(s: HelmSnapshot | undefined): boolean {
  if (!s || s.testHooks === undefined) return false;
  const hooks = Object.values(s.testHooks);
  if (hooks.length === 0) return true;
  if (hooks.some((h) => h.phase === 'Failed')) return true;
  return hooks.every((h) => h.phase === 'Succeeded');
}
const hasFailedTest = (s: HelmSnapshot | undefined): boolean =>
  Object.values(s?.testHooks ?? {}).some((h) => h.phase === 'Failed');

// The active remediation (by the last attempted action), as api/v2 defines it.
interface Remediation {
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

function activeRemediation(hr: HelmRelease, s: HelmReleaseStatus): Remediation | undefined {
  if (s.lastAttemptedReleaseAction === 'install') return installRemediation(hr);
  if (s.lastAttemptedReleaseAction === 'upgrade') return upgradeRemediation(hr);
  return undefined;
}

/** Flux's Snapshots.Previous: the newest deployed or superseded revision after the latest. */
function previousSnapshot(history: HelmSnapshot[], ignoreTests: boolean): HelmSnapshot | undefined {
  const sorted = [...history].sort((a, b) => b.version - a.version);
  return sorted
    .slice(1)
    .find((s) => (s.status === 'deployed' || s.status === 'superseded') && (ignoreTests || !hasFailedTest(s)));
}

/** Flux's Snapshots.Truncate: keep up to the previous good revision, at most 5. */
function truncateHistory(status: HelmReleaseStatus, ignoreTests: boolean): void {
  const history = status.history;
  if (!history || history.length < 2) return;
  history.sort((a, b) => b.version - a.version);
  for (let i = 1; i < history.length; i++) {
    const s = history[i] as HelmSnapshot;
    if ((s.status === 'deployed' || s.status === 'superseded') && (ignoreTests || !hasFailedTest(s))) {
      history.splice(i + 1);
      return;
    }
  }
  if (history.length > 5) history.splice(5);
}

/** Flux's summarize: Ready from Remediated, TestSuccess (when tests count) and Released, in that order. */
export function summarize(req: Pick<ReleaseRequest, 'obj' | 'metadata' | 'status'>): void {
  const test = req.obj.spec.test;
  const order =
    test?.enable && !test.ignoreFailures
      ? [HelmConditions.Remediated, HelmConditions.TestSuccess, HelmConditions.Released]
      : [HelmConditions.Remediated, HelmConditions.Released];
  if (!test?.enable) deleteCondition(req, HelmConditions.TestSuccess);
  const conds = req.status.conditions ?? [];
  if (conds.length === 0) return;
  const pick = order.map((t) => conds.find((c) => c.type === t)).find((c): c is Condition => c !== undefined);
  if (!pick) return;
  const status = pick.type === HelmConditions.Remediated ? 'False' : pick.status;
  if (status === 'True') deleteCondition(req, 'Stalled');
  setCondition(req, { type: 'Ready', status, reason: pick.reason, message: pick.message });
}

const eventMeta = (s: Pick<HelmSnapshot, 'chartVersion' | 'configDigest' | 'appVersion'>): Record<string, string> => ({
  revision: s.chartVersion,
  token: s.configDigest,
  ...(s.appVersion ? { 'app-version': s.appVersion } : {}),
});

/** Helm's wait strategy: hookOnly when waiting is disabled, else spec.waitStrategy (poller → watcher, legacy). */
export const waitFor = (hr: HelmRelease, disableWait: boolean | undefined): WaitStrategy =>
  disableWait ? 'hookOnly' : hr.spec.waitStrategy?.name === 'legacy' ? 'legacy' : 'watcher';

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
      history[i] = { ...snapshotOf(stored, h.action), ...(h.testHooks ? { testHooks: h.testHooks } : {}) };
    }
  }
  const newest = fresh.at(-1);
  if (!newest) return false;
  history.unshift(snapshotOf(newest, action));
  return true;
}

const maxVersion = async (req: ReleaseRequest): Promise<number> =>
  (await req.storage.last(req.releaseName))?.version ?? 0;

const failures = (s: HelmReleaseStatus): void => void (s.failures = (s.failures ?? 0) + 1);

/** helm install options from `spec.install` (helm-controller's newInstall). */
export function installOptionsOf(hr: HelmRelease) {
  const spec = hr.spec.install ?? {};
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'install'),
    wait: waitFor(hr, spec.disableWait),
    waitForJobs: !spec.disableWaitForJobs,
    disableHooks: spec.disableHooks ?? false,
    createNamespace: !!hr.spec.targetNamespace && (spec.createNamespace ?? false),
    skipCrds: spec.skipCRDs === true || spec.crds === 'Skip',
    serverSide: spec.serverSideApply ?? true,
    takeOwnership: !spec.disableTakeOwnership,
    disableOpenApiValidation: spec.disableOpenAPIValidation ?? false,
    skipSchemaValidation: spec.disableSchemaValidation ?? false,
    replace: spec.replace ?? false,
  };
}

/** Server-side apply per `serverSideApply` (enabled|disabled|auto: as the release's apply method). */
const serverSideOf = (mode: string | undefined, applyMethod: string | undefined): boolean =>
  mode === 'enabled' ? true : mode === 'disabled' ? false : applyMethod === 'ssa';

/** helm upgrade options from `spec.upgrade` (helm-controller's newUpgrade); `applyMethod` of the last release. */
export function upgradeOptionsOf(hr: HelmRelease, applyMethod: string | undefined) {
  const spec = hr.spec.upgrade ?? {};
  const serverSide = serverSideOf(spec.serverSideApply, applyMethod);
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'upgrade'),
    wait: waitFor(hr, spec.disableWait),
    waitForJobs: !spec.disableWaitForJobs,
    disableHooks: spec.disableHooks ?? false,
    maxHistory: maxHistory(hr.spec),
    serverSide: serverSide ? ('true' as const) : ('false' as const),
    forceConflicts: serverSide,
    forceReplace: (spec.force ?? false) && !serverSide,
    takeOwnership: !spec.disableTakeOwnership,
    cleanupOnFail: spec.cleanupOnFail ?? false,
    reuseValues: spec.preserveValues ?? false,
    disableOpenApiValidation: spec.disableOpenAPIValidation ?? false,
    skipSchemaValidation: spec.disableSchemaValidation ?? false,
  };
}

/** helm rollback options from `spec.rollback`; `applyMethod` of the release rolled back to. */
export function rollbackOptionsOf(hr: HelmRelease, applyMethod: string | undefined) {
  const spec = hr.spec.rollback ?? {};
  const serverSide = serverSideOf(spec.serverSideApply, applyMethod);
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'rollback'),
    wait: waitFor(hr, spec.disableWait),
    waitForJobs: !spec.disableWaitForJobs,
    disableHooks: spec.disableHooks ?? false,
    maxHistory: maxHistory(hr.spec),
    serverSide: serverSide ? ('true' as const) : ('false' as const),
    forceConflicts: serverSide,
    forceReplace: (spec.force ?? false) && !serverSide,
    cleanupOnFail: spec.cleanupOnFail ?? false,
  };
}

/** helm uninstall options from `spec.uninstall`. */
export function uninstallOptionsOf(hr: HelmRelease) {
  const spec = hr.spec.uninstall ?? {};
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'uninstall'),
    wait: waitFor(hr, spec.disableWait),
    keepHistory: spec.keepHistory ?? false,
    disableHooks: spec.disableHooks ?? false,
    deletionPropagation: spec.deletionPropagation ?? ('background' as const),
  };
}

/**
 * Install or upgrade (helm-controller's Install and Upgrade reconcilers share their shape): run helm,
 * record the releases it stored, then Released with Flux's reason and message, an event, and the failure
 * counters. A failure that stored no release is an ActionError (retried, nothing to remediate).
 */
function releaseAction(
  name: 'install' | 'upgrade',
  run: (
    req: ReleaseRequest,
    target: {
      release: string;
      chartPath: string;
      values: Values;
      namespace: string;
      asUser?: string;
      signal: AbortSignal;
    },
  ) => Promise<void>,
): Action {
  const [succeeded, failed] =
    name === 'install'
      ? [HelmReasons.InstallSucceeded, HelmReasons.InstallFailed]
      : [HelmReasons.UpgradeSucceeded, HelmReasons.UpgradeFailed];
  return {
    name,
    type: 'release',
    async run(req) {
      const { obj, status } = req;
      status.lastAttemptedReleaseAction = name;
      // An install resets the history: there is nothing before it to roll back to.
      if (name === 'install') status.history = [];
      deleteCondition(req, HelmConditions.TestSuccess);
      deleteCondition(req, HelmConditions.Remediated);
      const before = await maxVersion(req);
      const started = Date.now();
      let err: unknown;
      try {
        await run(req, {
          release: req.releaseName,
          chartPath: req.chart.path,
          values: req.values,
          namespace: req.releaseNamespace,
          ...(req.asUser ? { asUser: req.asUser } : {}),
          signal: req.signal,
        });
      } catch (e) {
        err = e;
      }
      status.lastAttemptedReleaseActionDuration = formatDuration(Date.now() - started);
      const stored = await recordObserved(req, before, name);
      if (err !== undefined) {
        const msg = `Helm ${name} failed for release ${req.releaseNamespace}/${req.releaseName} with chart ${req.chart.name}@${req.chart.version}: ${messageOf(err).trim()}`;
        failures(status);
        markFalse(req, HelmConditions.Released, failed, msg);
        const meta = {
          chartVersion: req.chart.version,
          configDigest: req.configDigest,
          appVersion: req.chart.appVersion,
        };
        await req.event({ type: 'Warning', reason: failed, message: msg, metadata: eventMeta(meta) });
        summarize(req);
        if (!stored) throw new ActionError(msg);
        (name === 'install' ? installRemediation(obj) : upgradeRemediation(obj)).increment(status);
        return;
      }
      const cur = latest(status) as HelmSnapshot;
      const msg = `Helm ${name} succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
      markTrue(req, HelmConditions.Released, succeeded, msg);
      if (obj.spec.test?.enable && !hasBeenTested(cur)) {
        const awaiting = `Helm release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} is awaiting tests`;
        markUnknown(req, HelmConditions.TestSuccess, HelmReasons.AwaitingTests, awaiting);
      }
      await req.event({ type: 'Normal', reason: succeeded, message: msg, metadata: eventMeta(cur) });
      summarize(req);
    },
  };
}

const installAction = releaseAction('install', (req, target) =>
  req.cli.install({ ...installOptionsOf(req.obj), ...target }),
);

const upgradeAction = releaseAction('upgrade', async (req, target) => {
  const last = await req.storage.last(req.releaseName);
  await req.cli.upgrade({ ...upgradeOptionsOf(req.obj, last?.apply_method), ...target });
});

const testAction: Action = {
  name: 'test',
  type: 'test',
  async run(req) {
    const { obj, status } = req;
    const cur = latest(status);
    if (!cur) throw new ActionError('no latest release: required for test');
    let err: unknown;
    try {
      await req.cli.test({
        release: req.releaseName,
        namespace: req.releaseNamespace,
        ...(req.asUser ? { asUser: req.asUser } : {}),
        timeoutMs: actionTimeoutMs(obj.spec, 'test'),
        filters: obj.spec.test?.filters ?? [],
        signal: req.signal,
      });
    } catch (e) {
      err = e;
    }
    const rel = await req.storage.get(cur.name, cur.version);
    if (rel) cur.testHooks = testHooksOf(rel, obj.spec.test?.filters ?? []);
    if (err !== undefined || !rel) {
      const msg = `Helm test failed for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${messageOf(err ?? 'release disappeared from storage').trim()}`;
      failures(status);
      markFalse(req, HelmConditions.TestSuccess, HelmReasons.TestFailed, msg);
      await req.event({ type: 'Warning', reason: HelmReasons.TestFailed, message: msg, metadata: eventMeta(cur) });
      if (hasBeenTested(cur)) {
        const remediation = activeRemediation(obj, status);
        if (remediation && !remediation.ignoreTestFailures(obj.spec.test?.ignoreFailures ?? false)) {
          remediation.increment(status);
        }
      }
      summarize(req);
      if (!hasBeenTested(cur)) throw new ActionError(msg);
      return;
    }
    const n = Object.keys(cur.testHooks ?? {}).length;
    const hookMsg = n > 0 ? `${n} test ${n > 1 ? 'hooks' : 'hook'} completed successfully` : 'no test hooks';
    const msg = `Helm test succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${hookMsg}`;
    markTrue(req, HelmConditions.TestSuccess, HelmReasons.TestSucceeded, msg);
    await req.event({ type: 'Normal', reason: HelmReasons.TestSucceeded, message: msg, metadata: eventMeta(cur) });
    summarize(req);
  },
};

const rollbackAction: Action = {
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
    let err: unknown;
    try {
      await req.cli.rollback({
        ...rollbackOptionsOf(obj, target?.apply_method),
        release: prev.name,
        version: prev.version,
        namespace: req.releaseNamespace,
        ...(req.asUser ? { asUser: req.asUser } : {}),
        signal: req.signal,
      });
    } catch (e) {
      err = e;
    }
    await recordObserved(req, before, 'rollback');
    await recordRemediation(req, err, prev, {
      subject: `Helm rollback to previous release ${fullReleaseName(prev)} with chart ${versionedChartName(prev)}`,
      failed: HelmReasons.RollbackFailed,
      succeeded: HelmReasons.RollbackSucceeded,
    });
  },
};

/**
 * The outcome of a remediation (rollback or uninstall): Remediated=False, a Warning and an ActionError when
 * `err` is set, else Remediated=True and a Normal event; the summary is refreshed either way.
 */
async function recordRemediation(
  req: Parameters<Action['run']>[0],
  err: unknown,
  snapshot: Parameters<typeof eventMeta>[0],
  o: { subject: string; failed: string; succeeded: string },
): Promise<void> {
  if (err !== undefined) {
    const msg = `${o.subject} failed: ${messageOf(err).trim()}`;
    failures(req.status);
    markFalse(req, HelmConditions.Remediated, o.failed, msg);
    await req.event({ type: 'Warning', reason: o.failed, message: msg, metadata: eventMeta(snapshot) });
    summarize(req);
    throw new ActionError(msg);
  }
  const msg = `${o.subject} succeeded`;
  markTrue(req, HelmConditions.Remediated, o.succeeded, msg);
  await req.event({ type: 'Normal', reason: o.succeeded, message: msg, metadata: eventMeta(snapshot) });
  summarize(req);
}

const uninstallRemediationAction: Action = {
  name: 'uninstall',
  type: 'remediate',
  async run(req) {
    const { obj, status } = req;
    const cur = latest(status);
    if (!cur) throw new ActionError('no latest release: required to remediate');
    let err: unknown;
    try {
      await req.cli.uninstall({
        ...uninstallOptionsOf(obj),
        release: cur.name,
        namespace: req.releaseNamespace,
        ...(req.asUser ? { asUser: req.asUser } : {}),
        signal: req.signal,
      });
    } catch (e) {
      err = e;
    }
    const stored = await req.storage.get(cur.name, cur.version);
    if (stored) Object.assign(cur, snapshotOf(stored, cur.action));
    else cur.status = 'uninstalled';
    await recordRemediation(req, err, cur, {
      subject: `Helm uninstall remediation for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`,
      failed: HelmReasons.UninstallFailed,
      succeeded: HelmReasons.UninstallSucceeded,
    });
  },
};

const unlockAction: Action = {
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
    try {
      await req.storage.markFailed(rel, `Release unlocked from stale '${from}' state`);
    } catch (err) {
      const msg = `Unlock of Helm release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} in ${from} state failed: ${messageOf(err)}`;
      failures(req.status);
      markFalse(req, HelmConditions.Released, HelmReasons.PendingRelease, msg);
      await req.event({ type: 'Warning', reason: HelmReasons.PendingRelease, message: msg, metadata: eventMeta(cur) });
      summarize(req);
      throw new ActionError(msg);
    }
    const updated = await req.storage.get(rel.name, rel.version);
    if (updated) Object.assign(cur, snapshotOf(updated, cur.action));
    const msg = `Unlocked Helm release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)} in ${from} state`;
    markFalse(req, HelmConditions.Released, HelmReasons.PendingRelease, msg);
    await req.event({ type: 'Normal', reason: HelmReasons.PendingRelease, message: msg, metadata: eventMeta(cur) });
    summarize(req);
  },
};

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
      const test = req.obj.spec.test;
      if (test?.enable) {
        if (!hasBeenTested(cur)) return { status: 'Untested' };
        const remediation = activeRemediation(req.obj, req.status);
        if (remediation && !remediation.ignoreTestFailures(test.ignoreFailures ?? false) && hasFailedTest(cur)) {
          return { status: 'Failed', reason: 'release has test in failed phase' };
        }
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
  return cur.digest === releaseDigest(rel);
}

/** Flux's actionForState. */
async function actionFor(req: ReleaseRequest, state: State): Promise<Action | undefined> {
  const { obj, status } = req;
  switch (state.status) {
    case 'InSync': {
      const remediation = activeRemediation(obj, status);
      truncateHistory(
        status,
        remediation?.ignoreTestFailures(obj.spec.test?.ignoreFailures ?? false) ??
          obj.spec.test?.ignoreFailures ??
          false,
      );
      if (req.forceRequested) return upgradeAction;
      const cur = latest(status) as HelmSnapshot;
      if (isTrue(req, HelmConditions.Remediated)) {
        deleteCondition(req, HelmConditions.Remediated);
        markTrue(
          req,
          HelmConditions.Released,
          HelmReasons.UpgradeSucceeded,
          `Helm upgrade succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`,
        );
      }
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
      return undefined;
    }
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
      if (isTrue(req, HelmConditions.Remediated)) {
        const cur = latest(status) as HelmSnapshot;
        deleteCondition(req, HelmConditions.Remediated);
        markTrue(
          req,
          HelmConditions.Released,
          HelmReasons.UpgradeSucceeded,
          `Helm upgrade succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`,
        );
      }
      return testAction;
    case 'Failed': {
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
      if (!stored || (prev.apiVersion === 'v2' && releaseDigest(stored) !== prev.digest)) return upgradeAction;
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
  return actionTimeoutMs(spec, 'install');
};

const readyMessage = (req: ReleaseRequest): string => getCondition(req, 'Ready')?.message ?? '';

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
      if (isTrue(req, 'Ready')) markFalse(req, 'Ready', 'ReconcileError', messageOf(err));
      const ready = getCondition(req, 'Ready');
      return { kind: 'error', reason: ready?.reason ?? 'ReconcileError', message: ready?.message ?? messageOf(err) };
    }
    if (next.type === 'remediate') {
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
