import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Finalizer, Reasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import type { ImagePolicy, ImageRef } from '../../api/image-policy.ts';
import {
  AutomationReasons,
  type ImageUpdateAutomation,
  type ImageUpdateAutomationStatus,
} from '../../api/image-update-automation.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import type { RecordOptions } from '../../runtime/events.ts';
import { fetchRevision } from '../../sources/git/fetch-revision.ts';
import { withGitSession } from '../../sources/git/git-session.ts';
import { lsRemote } from '../../sources/git/list-remote-refs.ts';
import { formatRevision, parseRevision } from '../../sources/git/revision.ts';
import {
  CommitTemplateError,
  RemovedTemplateFieldError,
  TemplateUnsupportedError,
  checkCommitTemplate,
} from '../../sources/image/commit-template.ts';
import { labelSelectorMatcher } from '../../util/label-selector.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, type ControllerDeps } from '../shared.ts';
import { closePullRequest, ensurePullRequest, type PullRequestResult } from '../../notify/providers/pull-request.ts';
import type { ProviderConfig } from '../../notify/providers/types.ts';
import {
  pullRequestBranch,
  pullRequestFailure,
  pullRequestProvider,
  pullRequestText,
  staleRequestText,
} from './pull-request-mode.ts';
import { pushSummary, runUpdate, skippedSummary, type UpdateOutcome } from './run-update.ts';
import { prepareSigner, readAutomationSource, sessionOptions, type AutomationSource } from './source.ts';

const Kind = 'ImageUpdateAutomation';
/** Flux's Ready message on success. */
export const ReadyMessage = 'repository up-to-date';

export interface ImageUpdateAutomationReconcilerOptions extends ControllerDeps {
  informer: Informer;
  policies: Informer;
  sources: Informer;
  noCrossNamespaceRefs?: boolean;
}

interface AutomationContext extends ReconcileContext<ImageUpdateAutomation, ImageUpdateAutomationStatus> {
  intervalMs: number;
  policies: ImagePolicy[];
  observed: Record<string, ImageRef>;
  syncNeeded: boolean;
  source?: AutomationSource;
  work?: string;
  /** The clone of this run; absent when nothing changed since the last run. */
  checkout?: { dir: string; revision: string };
  outcome?: UpdateOutcome;
  /** Pull-request mode: the forge, the base branch, and the request after this run. */
  pullRequest?: {
    cfg: ProviderConfig;
    base: string;
    result?: PullRequestResult;
    closed?: { number: number; url: string };
  };
}

const sameRefs = (a: Record<string, ImageRef> | undefined, b: Record<string, ImageRef>): boolean => {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = a![k]!;
    const y = b[k];
    return y !== undefined && x.name === y.name && x.tag === y.tag && (x.digest ?? '') === (y.digest ?? '');
  });
};

/**
 * Reconciles ImageUpdateAutomation objects as Flux's image-automation-controller, in named steps:
 * supported fields → spec → policies in scope → source (the GitRepository's URL and credentials, and
 * pull-request mode's branch) → checkout (skipped when neither the policies nor the remote head changed)
 * → update (setters, commit with the rendered message, signed when asked, push redone once when the
 * branch moved) → pull-request (open, update or close the request, in pull-request mode only).
 */
export function imageUpdateAutomationReconciler(
  o: ImageUpdateAutomationReconcilerOptions,
): StepReconciler<ImageUpdateAutomation, ImageUpdateAutomationStatus, AutomationContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const failGit = (prefix: string, err: unknown) =>
    new ReconcileFailure(AutomationReasons.GitOperationFailed, `${prefix}: ${messageOf(err)}`, { cause: err });

  const steps: Step<AutomationContext, Result>[] = [
    refuseUnsupportedFields<AutomationContext>(Kind),
    {
      name: 'spec',
      run: (ctx) => {
        ctx.status.lastAutomationRunTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        try {
          ctx.intervalMs = parseDuration(ctx.obj.spec.interval, 'spec.interval');
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
        if ((ctx.obj.spec.update?.strategy ?? 'Setters') !== 'Setters')
          throw new ReconcileFailure(
            AutomationReasons.InvalidUpdateStrategy,
            `update strategy '${ctx.obj.spec.update?.strategy}' not supported`,
            { stalled: true },
          );
        try {
          checkCommitTemplate(ctx.obj.spec.git?.commit.messageTemplate);
        } catch (err) {
          if (!(err instanceof TemplateUnsupportedError)) throw err;
          throw new ReconcileFailure(
            Reasons.NotSupported,
            `spec.git.commit.messageTemplate: ${err.message} by Driftless yet; use the Go template constructs and Sprig functions listed in README`,
            { stalled: true },
          );
        }
      },
    },
    {
      name: 'policies',
      run: (ctx) => {
        const ns = ctx.obj.metadata.namespace ?? '';
        let matches: (labels: Readonly<Record<string, string>>) => boolean;
        try {
          matches = labelSelectorMatcher(ctx.obj.spec.policySelector);
        } catch (err) {
          throw new ReconcileFailure(
            AutomationReasons.InvalidPolicySelector,
            `failed to parse policy selector: ${messageOf(err)}`,
            { stalled: true },
          );
        }
        ctx.policies = (o.policies.list() as ImagePolicy[])
          .filter((p) => p.metadata.namespace === ns && p.status?.latestRef && matches(p.metadata.labels ?? {}))
          .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
        ctx.observed = Object.fromEntries(ctx.policies.map((p) => [p.metadata.name, { ...p.status!.latestRef! }]));
        ctx.syncNeeded = !sameRefs(ctx.obj.status?.observedPolicies, ctx.observed);
      },
    },
    {
      name: 'source',
      run: async (ctx) => {
        const src = (ctx.source = await readAutomationSource(o, ctx.obj));
        const cfg = await pullRequestProvider(o.client, ctx.obj);
        if (!cfg) return;
        const { branch, tag, semver, name, commit } = src.ref;
        if (!branch || tag || semver || name || commit)
          throw new ReconcileFailure(
            AutomationReasons.InvalidSourceConfiguration,
            'pull-request mode needs a branch to check out (spec.git.checkout.ref.branch or the GitRepository spec.ref.branch), the base of the pull requests: invalid source configuration',
            { stalled: true },
          );
        src.pushBranch = pullRequestBranch(ctx.obj, branch);
        src.switchBranch = true;
        ctx.pullRequest = { cfg, base: branch };
      },
    },
    {
      name: 'checkout',
      run: async (ctx) => {
        const src = ctx.source!;
        const git = ctx.obj.spec.git!;
        if (src.switchBranch || git.push?.refspec) ctx.syncNeeded = true;
        const observed = ctx.obj.status?.observedSourceRevision;
        if (!ctx.syncNeeded && observed && src.ref.branch !== undefined && !src.ref.commit && !src.ref.name) {
          const head = await withGitSession(sessionOptions(src, ctx.signal), async (s) =>
            (await lsRemote(s, 'heads', `branch '${src.ref.branch}'`)).find(
              (r) => r.name === `refs/heads/${src.ref.branch}`,
            ),
          ).catch((err: unknown) => {
            throw failGit('failed to checkout source', err);
          });
          // Nothing new in the remote branch and no policy change: Flux's "no change since last reconciliation".
          if (head && parseRevision(observed)?.sha === head.sha) return;
        }
        ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-iua-'));
        const dir = path.join(ctx.work, 'repo');
        try {
          const fetched = await fetchRevision({ ...sessionOptions(src, ctx.signal), ref: src.ref, dir });
          ctx.checkout = { dir, revision: fetched.revision };
        } catch (err) {
          throw failGit('failed to checkout source', err);
        }
      },
    },
    {
      name: 'update',
      run: async (ctx) => {
        if (!ctx.checkout) return;
        const { dir, revision } = ctx.checkout;
        const src = ctx.source!;
        const git = ctx.obj.spec.git!;
        const signer = await prepareSigner(o.client, ctx.obj, ctx.signal);
        try {
          ctx.outcome = await withGitSession(sessionOptions(src, ctx.signal), (session) =>
            runUpdate(session, {
              dir,
              updatePath: ctx.obj.spec.update?.path ?? '',
              policies: ctx.policies.map((p) => ({
                namespace: p.metadata.namespace ?? '',
                name: p.metadata.name,
                latest: p.status!.latestRef!,
              })),
              pushBranch: src.pushBranch,
              switchBranch: src.switchBranch,
              refspec: git.push?.refspec,
              pushOptions: git.push?.options,
              author: git.commit.author,
              messageTemplate: git.commit.messageTemplate,
              messageTemplateValues: git.commit.messageTemplateValues,
              automation: { namespace: ctx.obj.metadata.namespace ?? '', name: ctx.obj.metadata.name },
              signing: signer?.gitConfig,
              keepSameChange: ctx.pullRequest !== undefined,
              timePush: () => sli.startGitPush(),
            }),
          );
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          if (err instanceof RemovedTemplateFieldError)
            throw new ReconcileFailure(AutomationReasons.RemovedTemplateField, err.message, { stalled: true });
          if (err instanceof CommitTemplateError) throw failGit('failed to update source', err);
          if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR')
            throw new ReconcileFailure(
              AutomationReasons.UpdateFailed,
              `failed to apply policies: spec.update.path '${ctx.obj.spec.update?.path ?? ''}' does not exist in the source`,
            );
          throw failGit('failed to update source', err);
        } finally {
          await signer?.dispose();
        }
        const skipped = skippedSummary(ctx.outcome.update, ctx.obj.metadata.namespace ?? '');
        if (skipped) await ctx.event({ type: 'Warning', reason: 'UpdateSkipped', message: skipped });
        const pushed = ctx.outcome.pushed;
        ctx.status.observedPolicies = ctx.observed;
        if (!pushed) {
          ctx.status.observedSourceRevision = revision;
          return;
        }
        ctx.status.observedSourceRevision = src.switchBranch
          ? revision
          : formatRevision({ ref: src.pushBranch, sha: pushed.commit });
        ctx.status.lastPushCommit = pushed.commit;
        ctx.status.lastPushTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      },
    },
    {
      name: 'pull-request',
      run: async (ctx) => {
        const pr = ctx.pullRequest;
        if (!pr || !ctx.outcome) return;
        const head = ctx.outcome.pushed ?? ctx.outcome.unchanged;
        const branch = ctx.source!.pushBranch;
        try {
          // Nothing to change on the base: an open request for the branch is stale, so it is closed.
          if (!head)
            pr.closed = await closePullRequest(
              pr.cfg,
              { head: branch, base: pr.base },
              staleRequestText(ctx.obj, pr.base),
              ctx.signal,
            );
          else
            pr.result = await ensurePullRequest(
              pr.cfg,
              { head: branch, base: pr.base, ...pullRequestText(ctx.obj, ctx.outcome.update, head.message) },
              ctx.signal,
            );
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          throw pullRequestFailure(branch, err);
        }
      },
    },
  ];

  return new StepReconciler<ImageUpdateAutomation, ImageUpdateAutomationStatus, AutomationContext>({
    kind: Kind,
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    // SLI M4: a failed image automation run, by reason (waiting on a source is not a failure).
    onFailure: (_ctx, failure) => {
      if (failure.opts.waiting !== true) sli.imageAutomationFailed(failure.reason);
    },
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as ImageUpdateAutomation | undefined,
    finalizer: Finalizer,
    finalize: async (obj) => {
      await removeFinalizer(o.client, obj, Finalizer);
      return {};
    },
    skip: (obj) => obj.spec.suspend === true,
    context: (base): AutomationContext =>
      Object.assign(base, { intervalMs: 0, policies: [], observed: {}, syncNeeded: false }),
    steps,
    fallbackReason: Reasons.Failed,
    retryAfterMs: () => 'backoff',
    ready: (ctx) => {
      const wasReady = getCondition(ctx.obj, 'Ready')?.status === 'True';
      const pushed = ctx.outcome?.pushed;
      const events: RecordOptions[] = [];
      // Flux's notify: an event for every push, and when the object becomes ready.
      if (pushed) {
        const message = pushSummary(pushed.commit, ctx.source!.pushBranch, pushed.refspecs, pushed.message);
        events.push({ type: 'Normal', reason: Reasons.Succeeded, message, metadata: { commit: pushed.commit } });
      } else if (!wasReady) events.push({ type: 'Normal', reason: Reasons.Succeeded, message: ReadyMessage });
      const pr = ctx.pullRequest?.result;
      if (pr && pr.action !== 'unchanged') {
        const verb = pr.action === 'opened' ? 'Opened' : 'Updated';
        const message = `${pr.action} pull request #${pr.number} from '${ctx.source!.pushBranch}' to '${ctx.pullRequest!.base}': ${pr.url}`;
        events.push({ type: 'Normal', reason: `PullRequest${verb}`, message, metadata: { url: pr.url } });
      }
      const closed = ctx.pullRequest?.closed;
      if (closed) {
        const message = `closed pull request #${closed.number} from '${ctx.source!.pushBranch}' to '${ctx.pullRequest!.base}': '${ctx.pullRequest!.base}' already has the images it proposed`;
        events.push({ type: 'Normal', reason: 'PullRequestClosed', message, metadata: { url: closed.url } });
      }
      return { reason: Reasons.Succeeded, message: ReadyMessage, requeueAfterMs: ctx.intervalMs, events };
    },
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
    release: async (ctx) => {
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}
