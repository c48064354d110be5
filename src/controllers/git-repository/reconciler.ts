import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConditionTypes, EventReasons, Reasons, SourceReasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import {
  gitRepositoryRef,
  gitRepositoryTimeoutMs,
  type GitRepository,
  type GitRepositoryStatus,
} from '../../api/git-repository.ts';
import type { Artifact } from '../../api/meta.ts';
import { archiveDirectory } from '../../artifacts/archive.ts';
import { ArchiveError, StorageError } from '../../artifacts/errors.ts';
import { buildIgnoreMatcher } from '../../artifacts/ignore.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { GitAuthError, GitError, GitUrlError } from '../../sources/git/errors.ts';
import { fetchRevision, type FetchedRevision } from '../../sources/git/fetch-revision.ts';
import { gitAuthFromSecret, gitProxyFromSecret, type GitAuth, type GitProxy } from '../../sources/git/git-auth.ts';
import { deleteCondition, markTrue } from '../../runtime/conditions.ts';
import { artifactSourceGuards } from '../artifact-source.ts';
import { commitTimeMetadata, SliMetrics } from '../sli-metrics.ts';
import { skippedSymlinksEvent } from './skipped-symlinks.ts';
import { contentConfigChanged, observeContentConfig } from './content-config.ts';
import { copyIncludes, includedArtifacts } from './include.ts';
import type { Informer } from '../../runtime/informer.ts';
import { asFailure, ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { messageOf, readSecretData, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import { verifyStep } from './verify-step.ts';

export interface GitRepositoryReconcilerOptions extends ControllerDeps {
  informer: Informer;
  storage: ArtifactStorage;
  /** Flux's `--requeue-dependency`: how soon to look again at an include without an artifact (default 30 s). */
  requeueDependencyMs?: number;
}

interface GitContext extends ReconcileContext<GitRepository, GitRepositoryStatus> {
  intervalMs: number;
  auth?: GitAuth;
  /** From `spec.proxySecretRef`. */
  proxy?: GitProxy;
  /** Private scratch directory of this reconcile, removed at the end. */
  work?: string;
  fetched?: FetchedRevision;
  /** Current artifacts of `spec.include`, in order. */
  includes: Artifact[];
}

/**
 * The Ready reason source-controller gives an error of the Git client or the artifacts layer:
 * GitAuthError → AuthenticationFailed, GitUrlError → URLInvalid, any other Git error → GitOperationFailed,
 * ArchiveError → ArchiveOperationFailed, StorageError → StorageOperationFailed; undefined for anything else.
 */
export function gitRepositoryFailureReason(err: unknown): string | undefined {
  if (err instanceof GitAuthError) return SourceReasons.AuthenticationFailed;
  if (err instanceof GitUrlError) return SourceReasons.URLInvalid;
  if (err instanceof GitError) return SourceReasons.GitOperationFailed;
  if (err instanceof ArchiveError) return SourceReasons.ArchiveOperationFailed;
  // source-controller reports storage failures with the condition type's name as the reason.
  if (err instanceof StorageError) return ConditionTypes.StorageOperationFailed;
  return undefined;
}

/** What a step threw as a failure: a library error gets its mapped reason, anything else its own or `fallbackReason`. */
const classify = (err: unknown, fallbackReason: string): ReconcileFailure =>
  asFailure(err, gitRepositoryFailureReason(err) ?? fallbackReason);

/** A failure that also sets one of source-controller's abnormal-true conditions (FetchFailed, StorageOperationFailed). */
const failWith = (condition: string, err: unknown, fallbackReason: string): ReconcileFailure => {
  const f = classify(err, fallbackReason);
  return new ReconcileFailure(f.reason, f.message, { cause: err, conditions: [{ type: condition, status: 'True' }] });
};

/**
 * Reconciles GitRepository objects as steps on the shared skeleton: spec → credentials → fetch the ref →
 * archive the tree (ignore rules applied) and store it. A failed fetch keeps the last artifact, sets
 * FetchFailed and backs off exponentially, as source-controller does.
 */
export function gitRepositoryReconciler(
  o: GitRepositoryReconcilerOptions,
): StepReconciler<GitRepository, GitRepositoryStatus, GitContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;

  const steps: Step<GitContext, Result>[] = [
    refuseUnsupportedFields<GitContext>('GitRepository'),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = parseDuration(ctx.obj.spec.interval, 'spec.interval');
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
      },
    },
    {
      name: 'credentials',
      run: async (ctx) => {
        const proxy = await readProxy(ctx.obj);
        if (proxy) ctx.proxy = proxy;
        const auth = await readAuth(ctx.obj);
        if (auth) ctx.auth = auth;
      },
    },
    {
      name: 'includes',
      run: (ctx) => {
        ctx.includes = includedArtifacts(
          ctx.obj,
          (ns, name) => o.informer.get(`${ns}/${name}`) as GitRepository | undefined,
          o.requeueDependencyMs ?? 30_000,
        );
        deleteCondition(ctx, ConditionTypes.IncludeUnavailable);
      },
    },
    {
      name: 'fetch',
      run: async (ctx) => {
        ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-git-'));
        ctx.fetched = await fetchRevision({
          url: ctx.obj.spec.url,
          ref: gitRepositoryRef(ctx.obj.spec),
          ...(ctx.auth ? { auth: ctx.auth } : {}),
          ...(ctx.proxy ? { proxy: ctx.proxy } : {}),
          dir: path.join(ctx.work, 'checkout'),
          timeoutMs: gitRepositoryTimeoutMs(ctx.obj.spec),
          ...(ctx.obj.spec.sparseCheckout ? { sparseCheckout: ctx.obj.spec.sparseCheckout } : {}),
          ...(ctx.obj.spec.recurseSubmodules ? { recurseSubmodules: true } : {}),
        }).catch((err: unknown) => {
          throw failWith(ConditionTypes.FetchFailed, err, SourceReasons.GitOperationFailed);
        });
        deleteCondition(ctx, ConditionTypes.FetchFailed);
      },
    },
    verifyStep<GitContext>({ client }),
    {
      name: 'artifact',
      run: async (ctx) => {
        const fetched = ctx.fetched!;
        const { obj, status } = ctx;
        const previous = status.artifact;
        try {
          const upToDate =
            previous?.revision === fetched.revision &&
            !contentConfigChanged(obj.spec, status, ctx.includes) &&
            (await storage.has(previous));
          if (!upToDate) await storeArtifact(ctx, fetched);
          // The advertised address may have changed since the artifact was stored (a restart on another
          // address): consumers must download from the current one, as source-controller re-sets the URL.
          else if (previous.url !== storage.urlOf(previous.path))
            status.artifact = { ...previous, url: storage.urlOf(previous.path) };
        } catch (err) {
          // The skeleton knows no library errors: a storage error is classified here, at the boundary.
          throw classify(err, Reasons.Failed);
        }
        observeContentConfig(obj.spec, status, ctx.includes);
        deleteCondition(ctx, ConditionTypes.StorageOperationFailed);
        deleteCondition(ctx, ConditionTypes.ArtifactOutdated);
      },
    },
  ];

  async function storeArtifact(ctx: GitContext, fetched: FetchedRevision): Promise<void> {
    const { obj } = ctx;
    const ns = obj.metadata.namespace ?? '';
    const checkout = path.join(ctx.work!, 'checkout');
    await copyIncludes({ obj, artifacts: ctx.includes, storage, checkout, work: ctx.work! });
    const matcher = await buildIgnoreMatcher({
      root: checkout,
      ...(obj.spec.ignore !== undefined ? { specIgnore: obj.spec.ignore } : {}),
    });
    const { data, skippedSymlinks } = await archiveDirectory({ dir: checkout, ignore: matcher }).catch(
      (err: unknown) => {
        throw failWith(ConditionTypes.StorageOperationFailed, err, SourceReasons.ArchiveOperationFailed);
      },
    );
    const artifact = await storage.store({
      kind: 'GitRepository',
      namespace: ns,
      name: obj.metadata.name,
      filename: `${fetched.commit}.tar.gz`,
      data,
      revision: fetched.revision,
      // Beyond Flux: appliers read the commit time to measure commit-to-applied latency.
      metadata: commitTimeMetadata(fetched.commitTime),
    });
    await storage.garbageCollect('GitRepository', ns, obj.metadata.name, artifact.path);
    ctx.status.artifact = artifact;
    if (skippedSymlinks.length > 0) await ctx.event(skippedSymlinksEvent(skippedSymlinks, fetched.revision));
    await ctx.event({
      type: 'Normal',
      reason: EventReasons.NewArtifact,
      message: `stored artifact for commit '${fetched.message.split('\n')[0] ?? ''}'`,
      metadata: { revision: fetched.revision },
    });
  }

  /**
   * The proxy of `spec.proxySecretRef` (keys `address`, `username`, `password`, as Flux); a missing Secret or
   * address is AuthenticationFailed with FetchFailed=True, as source-controller reports it.
   */
  async function readProxy(obj: GitRepository): Promise<GitProxy | undefined> {
    const ref = obj.spec.proxySecretRef;
    if (!ref) return undefined;
    const ns = obj.metadata.namespace ?? '';
    const fail = (why: string): ReconcileFailure =>
      new ReconcileFailure(SourceReasons.AuthenticationFailed, `failed to configure proxy options: ${why}`, {
        conditions: [{ type: ConditionTypes.FetchFailed, status: 'True' }],
      });
    const data = await readSecretData(client, ns, ref.name);
    if (!data) throw fail(`failed to get secret '${ns}/${ref.name}': secrets "${ref.name}" not found`);
    try {
      return gitProxyFromSecret(data, `${ns}/${ref.name}`);
    } catch (err) {
      throw fail(messageOf(err));
    }
  }

  /** Credentials from `spec.secretRef` (username/password, bearerToken, identity/known_hosts, ca.crt). */
  async function readAuth(obj: GitRepository): Promise<GitAuth | undefined> {
    const ref = obj.spec.secretRef;
    if (!ref) return undefined;
    const ns = obj.metadata.namespace ?? '';
    const data = await readSecretData(client, ns, ref.name);
    if (!data) {
      throw new ReconcileFailure(
        SourceReasons.AuthenticationFailed,
        `failed to get secret '${ns}/${ref.name}' referenced by spec.secretRef: secret not found; create it with username/password, bearerToken or identity/known_hosts keys`,
        { conditions: [{ type: ConditionTypes.FetchFailed, status: 'True' }] },
      );
    }
    return gitAuthFromSecret(data);
  }

  return new StepReconciler<GitRepository, GitRepositoryStatus, GitContext>({
    ...artifactSourceGuards<GitRepository>('GitRepository', o, sli),
    context: (base): GitContext => Object.assign(base, { intervalMs: 0, includes: [] }),
    steps,
    ready: (ctx) => {
      const message = `stored artifact for revision '${ctx.fetched!.revision}'`;
      markTrue(ctx, ConditionTypes.ArtifactInStorage, Reasons.Succeeded, message);
      return { reason: Reasons.Succeeded, message, requeueAfterMs: withJitter(ctx.intervalMs) };
    },
    release: async (ctx) => {
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}
