import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ArtifactGeneratorNames,
  ArtifactGeneratorReasons,
  ArtifactGeneratorRequeueMs,
  type ArtifactGenerator,
  type ArtifactGeneratorStatus,
  type ExternalArtifactReference,
} from '../../api/artifact-generator.ts';
import { Kinds, Reasons } from '../../api/constants.ts';
import type { Artifact } from '../../api/meta.ts';
import { buildComposedArtifact } from '../../artifacts/compose/build.ts';
import { FETCH_DEFAULTS, fetchArtifact } from '../../artifacts/fetch.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import type { Informer } from '../../runtime/informer.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { RecordOptions } from '../../runtime/events.ts';
import type { Result } from '../../runtime/result.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import { applyExternalArtifact, deleteExternalArtifacts, driftReason, orphans } from './outputs.ts';
import { hashObservedSources, observeSources, validateGeneratorSpec, type ObservedSource } from './sources.ts';

export interface ArtifactGeneratorReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** Informers of the source kinds a generator may read, by kind. */
  sources: ReadonlyMap<string, Informer>;
  /** The ExternalArtifact informer (what the generator wrote, for drift detection). */
  externalArtifacts: Informer;
  storage: ArtifactStorage;
  /** Retry delay while a source is missing or not ready (`--requeue-dependency`). */
  requeueDependencyMs: number;
  noCrossNamespaceRefs: boolean;
}

interface GeneratorContext extends ReconcileContext<ArtifactGenerator, ArtifactGeneratorStatus> {
  observed: Map<string, ObservedSource>;
  sourcesDigest: string;
  /** Why the artifacts are rebuilt; undefined when nothing drifted. */
  drift?: string;
  work?: string;
  local: Map<string, string>;
  /** ExternalArtifacts whose artifact changed in this reconcile (`ns/name (digest)`). */
  changed: string[];
}

const msgInProgress = 'Reconciliation in progress';

/** source-watcher's `source.extensions.fluxcd.io/reconcile: disabled` (any case) pauses a generator. */
export const isDisabled = (obj: ArtifactGenerator): boolean =>
  obj.metadata.annotations?.[ArtifactGeneratorNames.reconcileAnnotation]?.toLowerCase() === 'disabled';

/**
 * Reconciles ArtifactGenerators as source-watcher does: validate → observe the sources → skip when nothing
 * drifted → fetch the sources → build and store each artifact → apply its ExternalArtifact → prune the
 * ones no longer in the spec. Failures keep the last inventory and ExternalArtifacts.
 */
export function artifactGeneratorReconciler(
  o: ArtifactGeneratorReconcilerOptions,
): StepReconciler<ArtifactGenerator, ArtifactGeneratorStatus, GeneratorContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;
  const eaInformer = o.externalArtifacts;

  const steps: Step<GeneratorContext, Result>[] = [
    refuseUnsupportedFields<GeneratorContext>(Kinds.ArtifactGenerator),
    { name: 'validate', run: (ctx) => validateGeneratorSpec(ctx.obj, o.noCrossNamespaceRefs) },
    {
      name: 'observe',
      run: async (ctx) => {
        ctx.observed = observeSources(ctx.obj, o.sources, o.requeueDependencyMs);
        ctx.sourcesDigest = hashObservedSources(ctx.observed);
        ctx.drift = await driftReason({
          obj: ctx.obj,
          sourcesDigest: ctx.sourcesDigest,
          storage,
          informer: eaInformer,
        });
        if (ctx.drift) await ctx.progress(Reasons.Progressing, msgInProgress);
      },
    },
    {
      name: 'fetch',
      run: async (ctx) => {
        if (!ctx.drift) return;
        ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-ag-'));
        try {
          for (const [alias, src] of ctx.observed) {
            const dest = path.join(ctx.work, 'sources', alias);
            await mkdir(dest, { recursive: true });
            await fetchArtifact({ url: src.url, digest: src.digest, dest, signal: ctx.signal });
            ctx.local.set(alias, dest);
          }
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          throw new ReconcileFailure(
            ArtifactGeneratorReasons.SourceFetchFailed,
            `fetch sources failed: ${messageOf(err)}`,
            {
              requeueAfterMs: o.requeueDependencyMs,
              cause: err,
            },
          );
        }
      },
    },
    {
      name: 'build',
      run: async (ctx) => {
        if (!ctx.drift) return;
        const { obj } = ctx;
        const namespace = obj.metadata.namespace ?? '';
        const previous = obj.status?.inventory ?? [];
        const refs: ExternalArtifactReference[] = [];
        for (const spec of obj.spec.artifacts) {
          let artifact: Artifact;
          try {
            artifact = await buildComposedArtifact({
              name: spec.name,
              namespace,
              copy: spec.copy,
              sources: ctx.local,
              workspace: ctx.work!,
              storage,
              maxExtractBytes: FETCH_DEFAULTS.maxUntarBytes,
              signal: ctx.signal,
            });
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            const detail = messageOf(err);
            const message = `${spec.name} build failed: ${detail.startsWith('failed to apply copy operation ') ? `failed to apply copy operations: ${detail}` : detail}`;
            throw new ReconcileFailure(ArtifactGeneratorReasons.BuildFailed, message, { cause: err });
          }
          setRevisions(artifact, spec, ctx.observed);
          try {
            artifact = await applyExternalArtifact({
              client,
              informer: eaInformer,
              generator: obj,
              name: spec.name,
              artifact,
            });
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            throw new ReconcileFailure(
              ArtifactGeneratorReasons.ReconciliationFailed,
              `${spec.name} reconcile failed: failed to apply ExternalArtifact: ${messageOf(err)}`,
              { cause: err },
            );
          }
          const filename = path.posix.basename(artifact.path);
          refs.push({ name: spec.name, namespace, digest: artifact.digest, filename });
          if (
            !previous.some((r) => r.name === spec.name && r.namespace === namespace && r.digest === artifact.digest)
          ) {
            ctx.changed.push(`${namespace}/${spec.name} (${artifact.digest})`);
          }
          const keep = storage.artifactPath(Kinds.ExternalArtifact, namespace, spec.name, filename);
          await storage.garbageCollect(Kinds.ExternalArtifact, namespace, spec.name, keep).catch((err: unknown) => {
            o.logger.error(
              { err: messageOf(err), artifact: `${namespace}/${spec.name}` },
              'failed to garbage collect artifacts',
            );
          });
        }
        const gone = orphans(previous, refs);
        if (gone.length > 0) {
          await deleteExternalArtifacts(client, storage, gone).catch((err: unknown) => {
            o.logger.error({ err: messageOf(err) }, 'failed to delete orphaned ExternalArtifacts');
          });
        }
        ctx.status.inventory = refs;
        ctx.status.observedSourcesDigest = ctx.sourcesDigest;
      },
    },
  ];

  return new StepReconciler<ArtifactGenerator, ArtifactGeneratorStatus, GeneratorContext>({
    kind: Kinds.ArtifactGenerator,
    client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as ArtifactGenerator | undefined,
    finalizer: ArtifactGeneratorNames.finalizer,
    finalize: async (obj) => {
      await deleteExternalArtifacts(client, storage, obj.status?.inventory ?? []);
      await removeFinalizer(client, obj, ArtifactGeneratorNames.finalizer);
      return {};
    },
    skip: isDisabled,
    context: (base): GeneratorContext =>
      Object.assign(base, { observed: new Map(), sourcesDigest: '', local: new Map(), changed: [] }),
    steps,
    fallbackReason: ArtifactGeneratorReasons.ReconciliationFailed,
    retryAfterMs: () => 'backoff',
    ready: (ctx) => {
      const count = ctx.status.inventory?.length ?? 0;
      const events: RecordOptions[] = [];
      if (ctx.changed.length > 0) {
        events.push({
          type: 'Normal',
          reason: 'Ready',
          message: `external artifacts reconciled: ${ctx.changed.join('\n')}`,
        });
      }
      return {
        reason: Reasons.Succeeded,
        message: `reconciliation succeeded, generated ${count} artifact(s)`,
        requeueAfterMs: withJitter(ArtifactGeneratorRequeueMs),
        events,
      };
    },
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
    release: async (ctx) => {
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}

/** `revision: @alias` takes that source's revision; `originRevision: @alias` its origin revision (or revision). */
function setRevisions(
  artifact: Artifact,
  spec: ArtifactGenerator['spec']['artifacts'][number],
  observed: ReadonlyMap<string, ObservedSource>,
): void {
  const fromRevision = spec.revision ? observed.get(spec.revision.slice(1)) : undefined;
  if (fromRevision) artifact.revision = fromRevision.revision;
  if (spec.originRevision) {
    const src = observed.get(spec.originRevision.slice(1));
    artifact.metadata ??= {};
    if (src) artifact.metadata[ArtifactGeneratorNames.originRevisionAnnotation] = src.originRevision ?? src.revision;
  }
}
