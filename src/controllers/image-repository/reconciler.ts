import { Annotations, ConditionTypes, Finalizer, Reasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import {
  exclusionListOf,
  imageRepositoryTimeoutMs,
  type ImageRepository,
  ImageReasons,
  type ImageRepositoryStatus,
} from '../../api/image-repository.ts';
import { RegistryClient } from '../../sources/oci/client.ts';
import type { OciRepositoryAddress } from '../../sources/oci/reference.ts';
import { parseImageName } from '../../sources/image/image-name.ts';
import { excludeTags, sortTagsAndGetLatest, tagsRevision } from '../../sources/image/policy.ts';
import type { ImageTagStore } from '../../sources/image/tag-store.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { imageRegistryAccess, type ImageRegistryAccess } from '../image-credentials.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, type ControllerDeps } from '../shared.ts';

const Kind = 'ImageRepository';

export interface ImageRepositoryReconcilerOptions extends ControllerDeps {
  informer: Informer;
  tags: ImageTagStore;
}

interface ImageRepositoryContext extends ReconcileContext<ImageRepository, ImageRepositoryStatus> {
  intervalMs: number;
  timeoutMs: number;
  address?: OciRepositoryAddress;
  canonicalName?: string;
  access?: ImageRegistryAccess;
  /** Milliseconds until the next scan. */
  nextScanMs: number;
}

/** Flux's reasons to scan now, or undefined when the last scan is recent and still describes the spec. */
export function scanReason(
  obj: ImageRepository,
  canonicalName: string,
  storedTags: number,
  nowMs: number,
  intervalMs: number,
): { reason?: string; nextScanMs: number } {
  const last = obj.status?.lastScanResult;
  if (!last) return { reason: 'first scan', nextScanMs: intervalMs };
  const requested = obj.metadata.annotations?.[Annotations.reconcileRequestedAt];
  if (requested !== undefined && requested !== obj.status?.lastHandledReconcileAt)
    return { reason: 'reconcile requested', nextScanMs: intervalMs };
  if (canonicalName !== obj.status?.canonicalImageName) return { reason: 'new image name', nextScanMs: intervalMs };
  const want = exclusionListOf(obj.spec);
  const seen = obj.status?.observedExclusionList ?? [];
  if (want.length !== seen.length || !want.every((x) => seen.includes(x)))
    return { reason: 'updated exclusion list', nextScanMs: intervalMs };
  if (storedTags === 0) return { reason: 'no tags in database', nextScanMs: intervalMs };
  const when = intervalMs - (nowMs - Date.parse(last.scanTime ?? '1970-01-01T00:00:00Z'));
  if (when < 1000) return { reason: 'triggered by interval', nextScanMs: intervalMs };
  return { nextScanMs: when };
}

/**
 * Reconciles ImageRepository objects: refuse unsupported fields → spec → credentials → scan the tag list
 * (paginated, Basic/Bearer auth, through the shared OCI client) when Flux would → exclusion list → tags
 * into the in-memory tag store, the 10 newest and the tags' checksum into status.
 */
export function imageRepositoryReconciler(
  o: ImageRepositoryReconcilerOptions,
): StepReconciler<ImageRepository, ImageRepositoryStatus, ImageRepositoryContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, tags: store } = o;
  const keyOf = (obj: ImageRepository) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

  const steps: Step<ImageRepositoryContext, Result>[] = [
    refuseUnsupportedFields<ImageRepositoryContext>(Kind),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = parseDuration(ctx.obj.spec.interval, 'spec.interval');
          ctx.timeoutMs = imageRepositoryTimeoutMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
        try {
          const parsed = parseImageName(ctx.obj.spec.image);
          ctx.address = { registry: parsed.registry, repository: parsed.repository };
          ctx.canonicalName = parsed.canonicalName;
        } catch (err) {
          throw new ReconcileFailure(ImageReasons.ImageURLInvalid, messageOf(err), { stalled: true });
        }
      },
    },
    {
      name: 'credentials',
      run: async (ctx) => {
        ctx.access = await imageRegistryAccess(client, ctx.obj, ctx.address!.registry);
      },
    },
    {
      name: 'scan',
      run: async (ctx) => {
        const { obj, status } = ctx;
        const key = keyOf(obj);
        const stored = store.tags(key, ctx.canonicalName).length;
        const { reason, nextScanMs } = scanReason(obj, ctx.canonicalName!, stored, Date.now(), ctx.intervalMs);
        ctx.nextScanMs = nextScanMs;
        if (reason !== undefined) {
          await ctx.progress(Reasons.Progressing, `scanning: ${reason}`);
          let filtered: string[];
          try {
            const registry = new RegistryClient({
              ...ctx.address!,
              insecure: obj.spec.insecure ?? false,
              ...ctx.access,
              signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]),
              userAgent: 'driftless/image-reflector-controller',
            });
            filtered = excludeTags(await registry.listTags(), exclusionListOf(obj.spec));
            const latestTags = sortTagsAndGetLatest(filtered);
            store.set(key, ctx.canonicalName!, filtered);
            status.lastScanResult = {
              revision: tagsRevision(filtered),
              tagCount: filtered.length,
              scanTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
              ...(latestTags.length > 0 ? { latestTags } : {}),
            };
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            throw new ReconcileFailure(ImageReasons.ReadOperationFailed, `scan failed: ${messageOf(err)}`, {
              cause: err,
            });
          }
        }
        status.canonicalImageName = ctx.canonicalName!;
        status.observedExclusionList = exclusionListOf(obj.spec);
      },
    },
  ];

  return new StepReconciler<ImageRepository, ImageRepositoryStatus, ImageRepositoryContext>({
    kind: Kind,
    client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    // SLI M4: a failed image automation run, by reason (waiting on a source is not a failure).
    onFailure: (_ctx, failure) => {
      if (failure.opts.waiting !== true) sli.imageAutomationFailed(failure.reason);
    },
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as ImageRepository | undefined,
    onMissing: (req) => {
      store.delete(`${req.namespace ?? ''}/${req.name}`);
      return Promise.resolve();
    },
    finalizer: Finalizer,
    finalize: async (obj) => {
      store.delete(keyOf(obj));
      await removeFinalizer(client, obj, Finalizer);
      return {};
    },
    skip: (obj) => obj.spec.suspend === true,
    context: (base): ImageRepositoryContext => Object.assign(base, { intervalMs: 0, timeoutMs: 0, nextScanMs: 0 }),
    steps,
    fallbackReason: Reasons.Failed,
    retryAfterMs: () => 'backoff',
    ready: (ctx) => {
      const last = ctx.status.lastScanResult!;
      const message = `successful scan: found ${last.tagCount} tags with checksum ${last.revision ?? ''}`;
      const before = getCondition(ctx.obj, ConditionTypes.Ready);
      // Flux's notify: an event when the object becomes ready or its Ready message changes.
      const changed = before?.status !== 'True' || before.message !== message;
      return {
        reason: Reasons.Succeeded,
        message,
        requeueAfterMs: ctx.nextScanMs,
        ...(changed ? { events: [{ type: 'Normal' as const, reason: Reasons.Succeeded, message }] } : {}),
      };
    },
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
  });
}
