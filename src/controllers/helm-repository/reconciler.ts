import { ConditionTypes, EventReasons, Finalizer, Reasons, SourceReasons } from '../../api/constants.ts';
import {
  IndexationFailedReason,
  helmRepositoryIntervalMs,
  helmRepositoryTimeoutMs,
  isOciHelmRepository,
  type HelmRepository,
  type HelmRepositoryStatus,
} from '../../api/helm-repository.ts';
import { sha256Digest } from '../../artifacts/digest.ts';
import { StorageError } from '../../artifacts/errors.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { KubeClient } from '../../kube/client.ts';
import { getCondition, markTrue, deleteCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import { patchStatusDiff } from '../../runtime/reconcile/status-patch.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Reconciler, Request, Result } from '../../runtime/result.ts';
import { readRepositoryAuth, RepositoryAuthError } from '../../sources/helm-repository/auth.ts';
import { HttpStatusError, SizeLimitError } from '../../sources/helm-repository/errors.ts';
import { httpGet, type RepositoryAuth } from '../../sources/helm-repository/http-get.ts';
import {
  HelmLimits,
  humanSize,
  indexToJson,
  indexUrlOf,
  parseIndex,
} from '../../sources/helm-repository/repo-index.ts';
import { artifactSourceGuards } from '../artifact-source.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { messageOf, readSecretData, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';

export interface HelmRepositoryReconcilerOptions extends ControllerDeps {
  informer: Informer;
  storage: ArtifactStorage;
  /** Index download cap (default source-controller's 50 MiB). */
  maxIndexBytes?: number;
}

interface HelmRepositoryContext extends ReconcileContext<HelmRepository, HelmRepositoryStatus> {
  intervalMs: number;
  auth?: RepositoryAuth;
  revision?: string;
  indexUrl?: string;
  fetched?: Buffer;
  /** Ready was False before this reconcile: a success is a recovery worth an event. */
  wasFailing: boolean;
}

const fetchFailed = [{ type: ConditionTypes.FetchFailed, status: 'True' as const }];

/**
 * Reconciles HelmRepository objects of type `default` as source-controller does: fetch `<url>/index.yaml`
 * (bounded), revision = sha256 of the fetched bytes, store the loaded index as JSON (`index-<hex>.yaml`).
 * Type `oci` objects are static: no finalizer, no status, no fetch (Flux 2.9's migration to static).
 */
export function helmRepositoryReconciler(o: HelmRepositoryReconcilerOptions): Reconciler {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;
  const maxIndexBytes = o.maxIndexBytes ?? HelmLimits.maxIndexBytes;

  const steps: Step<HelmRepositoryContext, Result>[] = [
    refuseUnsupportedFields<HelmRepositoryContext>('HelmRepository'),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = helmRepositoryIntervalMs(ctx.obj.spec);
          helmRepositoryTimeoutMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
        const url = ctx.obj.spec.url;
        const invalid = url.startsWith('oci://')
          ? "'oci' URL scheme cannot be used with 'default' HelmRepository type"
          : URL.canParse(url)
            ? undefined
            : `parse "${url}": invalid URL`;
        if (invalid) {
          throw new ReconcileFailure(SourceReasons.URLInvalid, `invalid Helm repository URL: ${invalid}`, {
            stalled: true,
            conditions: fetchFailed,
          });
        }
        ctx.indexUrl = indexUrlOf(url);
      },
    },
    {
      name: 'credentials',
      run: async (ctx) => {
        const ns = ctx.obj.metadata.namespace ?? '';
        try {
          const auth = await readRepositoryAuth(ns, ctx.obj.spec, (n, name) => readSecretData(client, n, name));
          if (auth) ctx.auth = auth;
        } catch (err) {
          if (!(err instanceof RepositoryAuthError)) throw err;
          throw new ReconcileFailure(SourceReasons.AuthenticationFailed, err.message, { conditions: fetchFailed });
        }
      },
    },
    {
      name: 'fetch',
      run: async (ctx) => {
        const spec = ctx.obj.spec;
        try {
          ctx.fetched = await httpGet(ctx.indexUrl!, {
            ...(ctx.auth ? { auth: ctx.auth } : {}),
            timeoutMs: helmRepositoryTimeoutMs(spec),
            maxBytes: maxIndexBytes,
            what: 'index',
            signal: ctx.signal,
          });
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          const detail =
            err instanceof SizeLimitError
              ? `index exceeds the maximum index file size of ${maxIndexBytes} bytes`
              : err instanceof HttpStatusError || err instanceof Error
                ? err.message
                : String(err);
          throw new ReconcileFailure(Reasons.Failed, `failed to fetch Helm repository index: ${detail}`, {
            conditions: fetchFailed,
          });
        }
        ctx.revision = sha256Digest(ctx.fetched);
      },
    },
    {
      name: 'artifact',
      run: async (ctx) => {
        const { obj, status } = ctx;
        const revision = ctx.revision!;
        const previous = status.artifact;
        const upToDate = previous?.revision === revision && (await storage.has(previous).catch(() => false));
        if (upToDate) {
          if (previous.url !== storage.urlOf(previous.path)) {
            status.artifact = { ...previous, url: storage.urlOf(previous.path) };
            status.url = status.artifact.url;
          }
          deleteCondition(ctx, ConditionTypes.FetchFailed);
          return;
        }
        let stored: Buffer;
        try {
          stored = indexToJson(parseIndex(ctx.fetched!));
        } catch (err) {
          throw new ReconcileFailure(
            IndexationFailedReason,
            `failed to load Helm repository from index YAML: ${messageOf(err)}`,
            { conditions: fetchFailed },
          );
        }
        deleteCondition(ctx, ConditionTypes.FetchFailed);
        const message = `new index revision '${revision}'`;
        if (previous) markTrue(ctx, ConditionTypes.ArtifactOutdated, SourceReasons.NewRevision, message);
        await ctx.progress(Reasons.Progressing, `building artifact: ${message}`);
        const ns = obj.metadata.namespace ?? '';
        const hex = revision.slice('sha256:'.length);
        try {
          const artifact = await storage.store({
            kind: 'HelmRepository',
            namespace: ns,
            name: obj.metadata.name,
            filename: `index-${hex}.yaml`,
            data: stored,
            revision,
          });
          await storage.garbageCollect('HelmRepository', ns, obj.metadata.name, artifact.path);
          status.artifact = artifact;
          status.url = artifact.url;
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          throw new ReconcileFailure(
            SourceReasons.ArchiveOperationFailed,
            `unable to save artifact to storage: ${err.message}`,
            {
              conditions: [{ type: ConditionTypes.StorageOperationFailed, status: 'True' }],
            },
          );
        }
        deleteCondition(ctx, ConditionTypes.StorageOperationFailed);
        deleteCondition(ctx, ConditionTypes.ArtifactOutdated);
        await ctx.event({
          type: 'Normal',
          reason: EventReasons.NewArtifact,
          message: storedMessage(ctx),
          metadata: { revision, digest: status.artifact.digest },
        });
        ctx.wasFailing = false;
      },
    },
  ];

  const storedMessage = (ctx: HelmRepositoryContext): string => {
    const size = ctx.status.artifact?.size;
    const human = size === undefined ? 'unknown size' : `size ${humanSize(size)}`;
    return `stored fetched index of ${human} from '${ctx.obj.spec.url}'`;
  };

  const steps_ = new StepReconciler<HelmRepository, HelmRepositoryStatus, HelmRepositoryContext>({
    ...artifactSourceGuards<HelmRepository>('HelmRepository', o, sli),
    context: (base): HelmRepositoryContext =>
      Object.assign(base, {
        intervalMs: 0,
        wasFailing: getCondition(base.status as never, ConditionTypes.Ready)?.status === 'False',
      }),
    steps,
    ready: (ctx) => {
      const message = `stored artifact: revision '${ctx.status.artifact?.revision ?? ''}'`;
      markTrue(ctx, ConditionTypes.ArtifactInStorage, Reasons.Succeeded, message);
      const events = ctx.wasFailing
        ? [
            {
              type: 'Normal' as const,
              reason: Reasons.Succeeded,
              message: storedMessage(ctx),
              metadata: { revision: ctx.status.artifact?.revision ?? '', digest: ctx.status.artifact?.digest ?? '' },
            },
          ]
        : [];
      return { reason: Reasons.Succeeded, message, requeueAfterMs: withJitter(ctx.intervalMs), events };
    },
  });

  return {
    reconcile: async (req: Request, signal: AbortSignal): Promise<Result> => {
      const obj = o.informer.get(`${req.namespace}/${req.name}`) as HelmRepository | undefined;
      if (obj && isOciHelmRepository(obj.spec)) {
        await migrateToStatic(client, storage, obj);
        return {};
      }
      return steps_.reconcile(req, signal);
    },
    released: (key: string): void => steps_.released(key),
  };
}

/**
 * Flux 2.9 treats a HelmRepository of type oci as a static data container: its artifacts are removed,
 * its finalizer dropped and its status emptied once, then it is left alone (HelmCharts read its spec).
 */
async function migrateToStatic(client: KubeClient, storage: ArtifactStorage, obj: HelmRepository): Promise<void> {
  if (obj.spec.suspend === true && !obj.metadata.deletionTimestamp) return;
  const hasFinalizer = obj.metadata.finalizers?.includes(Finalizer) ?? false;
  const status = obj.status ?? {};
  const empty =
    !status.observedGeneration &&
    !status.conditions &&
    !status.url &&
    !status.artifact &&
    !status.lastHandledReconcileAt;
  if (!hasFinalizer && empty) return;
  await storage.removeAll('HelmRepository', obj.metadata.namespace ?? '', obj.metadata.name);
  if (!empty) await patchStatusDiff(client, obj, status, {});
  if (hasFinalizer) await removeFinalizer(client, obj, Finalizer);
}
