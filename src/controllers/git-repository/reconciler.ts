import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotations, ConditionTypes, EventReasons, Finalizer, Reasons, SourceReasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import {
  gitRepositoryRef,
  gitRepositoryTimeoutMs,
  type GitRepository,
  type GitRepositoryStatus,
} from '../../api/git-repository.ts';
import { archiveDirectory } from '../../artifacts/archive.ts';
import { buildIgnoreMatcher } from '../../artifacts/ignore.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { fetchRevision } from '../../sources/git/fetch-revision.ts';
import type { GitAuth } from '../../sources/git/git-auth.ts';
import { deleteCondition, markFalse, markReady, markTrue } from '../../runtime/conditions.ts';
import { commitTimeMetadata, SliMetrics } from '../../runtime/sli-metrics.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ensureFinalizer, patchStatus, removeFinalizer } from '../../runtime/patch.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { TerminalError } from '../../runtime/result.ts';
import { messageOf, reasonOf, readSecretData, withJitter, type ControllerDeps } from '../shared.ts';

export interface GitRepositoryReconcilerOptions extends ControllerDeps {
  informer: Informer;
  storage: ArtifactStorage;
}

/** A failure of one step, carrying the condition it sets. */
class StepError extends Error {
  constructor(
    readonly condition: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reconciles GitRepository objects: fetch the ref, archive the tree (ignore rules applied), store
 * the artifact, report it in status. A failed fetch keeps the last artifact and backs off.
 */
export class GitRepositoryReconciler implements Reconciler {
  private readonly o: GitRepositoryReconcilerOptions;
  private readonly sli: SliMetrics;

  constructor(opts: GitRepositoryReconcilerOptions) {
    this.o = opts;
    this.sli = new SliMetrics({ registry: opts.metrics.registry });
  }

  async reconcile(req: Request): Promise<Result> {
    const key = `${req.namespace}/${req.name}`;
    const cached = this.o.informer.get(key) as GitRepository | undefined;
    const { client, storage } = this.o;
    if (!cached) {
      await storage.removeAll('GitRepository', req.namespace ?? '', req.name);
      return {};
    }
    const obj = structuredClone(cached);
    if (obj.metadata.deletionTimestamp) {
      await storage.removeAll('GitRepository', obj.metadata.namespace ?? '', obj.metadata.name);
      await removeFinalizer(client, obj, Finalizer);
      return {};
    }
    await ensureFinalizer(client, obj, Finalizer);
    if (obj.spec.suspend) return {};

    let intervalMs: number;
    try {
      intervalMs = parseDuration(obj.spec.interval, 'spec.interval');
    } catch (err) {
      return await this.stall(obj, messageOf(err));
    }
    const status: GitRepositoryStatus = structuredClone(obj.status ?? {});
    const view = { metadata: obj.metadata, status };
    const requestedAt = obj.metadata.annotations?.[Annotations.reconcileRequestedAt];
    try {
      await this.fetchAndStore(obj, status, view);
      if (requestedAt) status.lastHandledReconcileAt = requestedAt;
      status.observedGeneration = obj.metadata.generation ?? 0;
      await patchStatus(client, obj, status);
      this.sli.reconciled('GitRepository');
      return { requeueAfterMs: withJitter(intervalMs) };
    } catch (err) {
      const stepErr =
        err instanceof StepError
          ? err
          : new StepError(ConditionTypes.FetchFailed, reasonOf(err, Reasons.Failed), messageOf(err));
      markTrue(view, stepErr.condition, stepErr.reason, stepErr.message);
      markFalse(view, ConditionTypes.Ready, stepErr.reason, stepErr.message);
      // As Flux: still Reconciling (with retry); observedGeneration moves only on success or stall.
      markTrue(view, ConditionTypes.Reconciling, Reasons.ProgressingWithRetry, stepErr.message);
      if (requestedAt) status.lastHandledReconcileAt = requestedAt;
      await patchStatus(client, obj, status);
      this.sli.reconciled('GitRepository', stepErr.reason);
      await this.o.recorder.record(obj, { type: 'Warning', reason: stepErr.reason, message: stepErr.message });
      throw err;
    }
  }

  private async fetchAndStore(
    obj: GitRepository,
    status: GitRepositoryStatus,
    view: { metadata: GitRepository['metadata']; status: GitRepositoryStatus },
  ): Promise<void> {
    const ns = obj.metadata.namespace ?? '';
    const auth = await this.readAuth(obj);
    const work = await mkdtemp(path.join(tmpdir(), 'driftless-git-'));
    try {
      const checkout = path.join(work, 'checkout');
      const fetched = await fetchRevision({
        url: obj.spec.url,
        ref: gitRepositoryRef(obj.spec),
        ...(auth ? { auth } : {}),
        dir: checkout,
        timeoutMs: gitRepositoryTimeoutMs(obj.spec),
      }).catch((err: unknown) => {
        throw new StepError(
          ConditionTypes.FetchFailed,
          reasonOf(err, SourceReasons.GitOperationFailed),
          messageOf(err),
        );
      });
      deleteCondition(view, ConditionTypes.FetchFailed);
      const sha = fetched.commit;
      const previous = status.artifact;
      const ignore = obj.spec.ignore ?? '';
      const upToDate =
        previous?.revision === fetched.revision &&
        (status.observedIgnore ?? '') === ignore &&
        (await this.o.storage.has(previous));
      if (!upToDate) {
        const matcher = await buildIgnoreMatcher({
          root: checkout,
          ...(obj.spec.ignore !== undefined ? { specIgnore: obj.spec.ignore } : {}),
        });
        const data = await archiveDirectory({ dir: checkout, ignore: matcher }).catch((err: unknown) => {
          throw new StepError(
            ConditionTypes.StorageOperationFailed,
            reasonOf(err, SourceReasons.ArchiveOperationFailed),
            messageOf(err),
          );
        });
        const artifact = await this.o.storage.store({
          kind: 'GitRepository',
          namespace: ns,
          name: obj.metadata.name,
          filename: `${sha}.tar.gz`,
          data,
          revision: fetched.revision,
          // Beyond Flux: appliers read the commit time to measure commit-to-applied latency.
          metadata: commitTimeMetadata(fetched.commitTime),
        });
        await this.o.storage.garbageCollect('GitRepository', ns, obj.metadata.name, artifact.path);
        status.artifact = artifact;
        const subject = fetched.message.split('\n')[0] ?? '';
        await this.o.recorder.record(obj, {
          type: 'Normal',
          reason: EventReasons.NewArtifact,
          message: `stored artifact for commit '${subject}'`,
          metadata: { revision: fetched.revision },
        });
      }
      if (obj.spec.ignore !== undefined) status.observedIgnore = obj.spec.ignore;
      else delete status.observedIgnore;
      deleteCondition(view, ConditionTypes.StorageOperationFailed);
      deleteCondition(view, ConditionTypes.ArtifactOutdated);
      const message = `stored artifact for revision '${fetched.revision}'`;
      markTrue(view, ConditionTypes.ArtifactInStorage, Reasons.Succeeded, message);
      markReady(view, Reasons.Succeeded, message);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Credentials from `spec.secretRef` (username/password, bearerToken, identity/known_hosts, ca.crt). */
  private async readAuth(obj: GitRepository): Promise<GitAuth | undefined> {
    const ref = obj.spec.secretRef;
    if (!ref) return undefined;
    const ns = obj.metadata.namespace ?? '';
    const data = await readSecretData(this.o.client, ns, ref.name);
    if (!data) {
      throw new StepError(
        ConditionTypes.FetchFailed,
        SourceReasons.AuthenticationFailed,
        `failed to get secret '${ns}/${ref.name}' referenced by spec.secretRef: secret not found; create it with username/password, bearerToken or identity/known_hosts keys`,
      );
    }
    const auth: GitAuth = {};
    if (data['username'] !== undefined) auth.username = data['username'];
    if (data['password'] !== undefined) auth.password = data['password'];
    if (data['bearerToken'] !== undefined) auth.bearerToken = data['bearerToken'];
    if (data['identity'] !== undefined) auth.identity = data['identity'];
    if (data['known_hosts'] !== undefined) auth.knownHosts = data['known_hosts'];
    if (data['ca.crt'] !== undefined) auth.caCert = data['ca.crt'];
    return auth;
  }

  private async stall(obj: GitRepository, message: string): Promise<Result> {
    const status: GitRepositoryStatus = structuredClone(obj.status ?? {});
    const view = { metadata: obj.metadata, status };
    markTrue(view, ConditionTypes.Stalled, 'InvalidSpec', message);
    markFalse(view, ConditionTypes.Ready, 'InvalidSpec', message);
    deleteCondition(view, ConditionTypes.Reconciling);
    status.observedGeneration = obj.metadata.generation ?? 0;
    await patchStatus(this.o.client, obj, status);
    this.sli.reconciled('GitRepository', 'InvalidSpec');
    await this.o.recorder.record(obj, { type: 'Warning', reason: 'InvalidSpec', message });
    throw new TerminalError('InvalidSpec', message);
  }
}
