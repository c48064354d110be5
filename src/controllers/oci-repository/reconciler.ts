import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConditionTypes, EventReasons, Reasons, SourceReasons } from '../../api/constants.ts';
import { parseDuration } from '../../api/duration.ts';
import {
  ociLayerOperation,
  ociRepositoryTimeoutMs,
  type OCILayerSelector,
  type OCIRepository,
  type OCIRepositoryStatus,
} from '../../api/oci-repository.ts';
import { ARCHIVE_DEFAULTS, archiveDirectory } from '../../artifacts/archive.ts';
import { StorageError } from '../../artifacts/errors.ts';
import { buildIgnoreMatcher } from '../../artifacts/ignore.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { RegistryClient } from '../../sources/oci/client.ts';
import { OciAnnotations, type ImageManifest } from '../../sources/oci/manifest.ts';
import {
  fetchImageManifest,
  pullLayer,
  resolveArtifact,
  type PulledLayer,
  type ResolvedArtifact,
} from '../../sources/oci/pull.ts';
import {
  chooseRef,
  parseOciUrl,
  pickTagBySemver,
  type OciRefChoice,
  type OciRepositoryAddress,
} from '../../sources/oci/reference.ts';
import { deleteCondition, markTrue } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { artifactSourceGuards } from '../artifact-source.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { messageOf, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';
import { registryAccess } from '../registry-transport.ts';
import { ociVerifyStep } from './verify-step.ts';

/** source-controller's OCIRepository reasons (api/v1/ocirepository_types.go). */
export const OCIReasons = {
  PullFailed: 'OCIArtifactPullFailed',
  LayerOperationFailed: 'OCIArtifactLayerOperationFailed',
} as const;

const Kind = 'OCIRepository';

export interface OCIRepositoryReconcilerOptions extends ControllerDeps {
  informer: Informer;
  storage: ArtifactStorage;
  /** Cap on a layer, compressed and extracted (default: the artifacts layer's 100 MiB). */
  maxLayerBytes?: number;
}

interface OCIContext extends ReconcileContext<OCIRepository, OCIRepositoryStatus> {
  intervalMs: number;
  timeoutMs: number;
  address?: OciRepositoryAddress;
  choice?: OciRefChoice;
  client?: RegistryClient;
  resolved?: ResolvedArtifact;
  /** Set when the artifact must be (re)built: the pulled manifest and layer. */
  pulled?: { manifest: ImageManifest; layer: PulledLayer };
  /** Scratch directory of this reconcile, removed at the end. */
  work?: string;
}

/** A failure that also sets FetchFailed=True, as source-controller does for every source-side error. */
const fetchFailed = (reason: string, message: string, opts: { stalled?: boolean; cause?: unknown } = {}) =>
  new ReconcileFailure(reason, message, {
    ...opts,
    conditions: [{ type: ConditionTypes.FetchFailed, status: 'True' }],
  });

const sameSelector = (a: OCILayerSelector | undefined, b: OCILayerSelector | undefined): boolean =>
  (a?.mediaType ?? '') === (b?.mediaType ?? '') && (a?.operation ?? '') === (b?.operation ?? '') && !a === !b;

/** Flux's `ociContentConfigChanged`: `spec.ignore` or `spec.layerSelector` differ from what the artifact was built with. */
function contentConfigChanged(obj: OCIRepository): boolean {
  return (
    obj.spec.ignore !== obj.status?.observedIgnore ||
    !sameSelector(obj.spec.layerSelector, obj.status?.observedLayerSelector)
  );
}

/**
 * Reconciles OCIRepository objects as steps on the shared skeleton: spec → credentials → resolve the
 * reference to a revision → verify its signature (`spec.verify`) → pull the manifest and layer (digest
 * verified) when the revision or the content settings changed → re-archive into storage. A failure keeps the last artifact, sets
 * FetchFailed and backs off exponentially, as source-controller does.
 */
export function ociRepositoryReconciler(
  o: OCIRepositoryReconcilerOptions,
): StepReconciler<OCIRepository, OCIRepositoryStatus, OCIContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;
  const maxBytes = o.maxLayerBytes ?? ARCHIVE_DEFAULTS.maxTotalBytes;

  const steps: Step<OCIContext, Result>[] = [
    refuseUnsupportedFields<OCIContext>(Kind),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = parseDuration(ctx.obj.spec.interval, 'spec.interval');
          ctx.timeoutMs = ociRepositoryTimeoutMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
        try {
          ctx.address = parseOciUrl(ctx.obj.spec.url);
        } catch (err) {
          throw fetchFailed(
            SourceReasons.URLInvalid,
            `URL validation failed for '${ctx.obj.spec.url}': ${messageOf(err)}`,
            {
              stalled: true,
            },
          );
        }
      },
    },
    {
      name: 'credentials',
      run: async (ctx) => {
        const { obj } = ctx;
        const access = await registryAccess(client, obj.metadata.namespace ?? '', obj.spec, {
          registry: ctx.address!.registry,
          target: obj.spec.url,
          fail: (detail) => fetchFailed(SourceReasons.AuthenticationFailed, detail),
          insecureSkipsVerify: true,
        });
        ctx.client = new RegistryClient({
          ...ctx.address!,
          insecure: obj.spec.insecure ?? false,
          ...access,
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]),
          userAgent: 'driftless/source-controller',
        });
      },
    },
    {
      name: 'resolve',
      run: async (ctx) => {
        const url = ctx.obj.spec.url;
        try {
          ctx.choice = chooseRef(ctx.obj.spec.ref);
        } catch (err) {
          throw fetchFailed(OCIReasons.PullFailed, `failed to determine artifact digest: ${messageOf(err)}`);
        }
        let choice = ctx.choice;
        if (choice.kind === 'semver') {
          try {
            choice = { kind: 'tag', tag: pickTagBySemver(await ctx.client!.listTags(), choice.range, choice.filter) };
          } catch (err) {
            throw fetchFailed(
              SourceReasons.ReadOperationFailed,
              `failed to determine the artifact tag for '${url}': ${messageOf(err)}`,
              { cause: err },
            );
          }
        }
        try {
          ctx.resolved = await resolveArtifact(ctx.client!, choice);
        } catch (err) {
          throw fetchFailed(OCIReasons.PullFailed, `failed to determine artifact digest: ${messageOf(err)}`, {
            cause: err,
          });
        }
        const { revision } = ctx.resolved;
        const previous = ctx.status.artifact;
        if (previous?.revision !== revision) {
          const message = `new revision '${revision}' for '${describeRef(ctx)}'`;
          if (previous) markTrue(ctx, ConditionTypes.ArtifactOutdated, SourceReasons.NewRevision, message);
          await ctx.progress(Reasons.Progressing, `building artifact: ${message}`);
        }
      },
    },
    ociVerifyStep<OCIContext>({ client }),
    {
      name: 'pull',
      run: async (ctx) => {
        const { obj, status } = ctx;
        const previous = status.artifact;
        const upToDate =
          previous?.revision === ctx.resolved!.revision && !contentConfigChanged(obj) && (await storage.has(previous));
        if (upToDate) {
          deleteCondition(ctx, ConditionTypes.FetchFailed);
          return;
        }
        ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-oci-'));
        let manifest: ImageManifest;
        try {
          ({ manifest } = await fetchImageManifest(ctx.client!, ctx.resolved!.digest));
        } catch (err) {
          throw fetchFailed(
            OCIReasons.PullFailed,
            `failed to pull artifact from '${obj.spec.url}': ${messageOf(err)}`,
            {
              cause: err,
            },
          );
        }
        try {
          const layer = await pullLayer({
            client: ctx.client!,
            manifest,
            ...(obj.spec.layerSelector?.mediaType ? { mediaType: obj.spec.layerSelector.mediaType } : {}),
            operation: ociLayerOperation(obj.spec),
            dir: ctx.work,
            maxBytes,
          });
          ctx.pulled = { manifest, layer };
        } catch (err) {
          throw fetchFailed(OCIReasons.LayerOperationFailed, messageOf(err), { cause: err });
        }
        deleteCondition(ctx, ConditionTypes.FetchFailed);
      },
    },
    {
      name: 'artifact',
      run: async (ctx) => {
        const { status } = ctx;
        if (ctx.pulled) {
          await storeArtifact(ctx, ctx.pulled);
        } else if (status.artifact && status.artifact.url !== storage.urlOf(status.artifact.path)) {
          // The advertised address changed since the artifact was stored (a restart on another address).
          status.artifact = { ...status.artifact, url: storage.urlOf(status.artifact.path) };
        }
        deleteCondition(ctx, ConditionTypes.StorageOperationFailed);
        deleteCondition(ctx, ConditionTypes.ArtifactOutdated);
      },
    },
  ];

  async function storeArtifact(ctx: OCIContext, pulled: NonNullable<OCIContext['pulled']>): Promise<void> {
    const { obj, status } = ctx;
    const ns = obj.metadata.namespace ?? '';
    const revision = ctx.resolved!.revision;
    const digest = revision.split('@').at(-1) ?? revision;
    let data: Buffer;
    try {
      if (pulled.layer.operation === 'copy') {
        data = await readFile(pulled.layer.file);
      } else {
        const matcher = await buildIgnoreMatcher({
          root: pulled.layer.dir,
          ...(obj.spec.ignore !== undefined ? { specIgnore: obj.spec.ignore } : {}),
        });
        data = (await archiveDirectory({ dir: pulled.layer.dir, ignore: matcher })).data;
      }
    } catch (err) {
      throw new ReconcileFailure(
        SourceReasons.ArchiveOperationFailed,
        `unable to archive artifact to storage: ${messageOf(err)}`,
        {
          cause: err,
          conditions: [{ type: ConditionTypes.StorageOperationFailed, status: 'True' }],
        },
      );
    }
    const annotations = pulled.manifest.annotations;
    let artifact;
    try {
      artifact = await storage.store({
        kind: Kind,
        namespace: ns,
        name: obj.metadata.name,
        filename: `${digest}.tar.gz`,
        data,
        revision,
        ...(annotations && Object.keys(annotations).length > 0 ? { metadata: annotations } : {}),
      });
      await storage.garbageCollect(Kind, ns, obj.metadata.name, artifact.path);
    } catch (err) {
      const reason = err instanceof StorageError ? ConditionTypes.StorageOperationFailed : Reasons.Failed;
      throw new ReconcileFailure(reason, messageOf(err), {
        cause: err,
        conditions: [{ type: ConditionTypes.StorageOperationFailed, status: 'True' }],
      });
    }
    const previousDigest = status.artifact?.digest;
    status.artifact = artifact;
    if (obj.spec.ignore !== undefined) status.observedIgnore = obj.spec.ignore;
    else delete status.observedIgnore;
    if (obj.spec.layerSelector !== undefined) status.observedLayerSelector = { ...obj.spec.layerSelector };
    else delete status.observedLayerSelector;
    if (previousDigest !== artifact.digest) {
      await ctx.event({
        type: 'Normal',
        reason: EventReasons.NewArtifact,
        message: newArtifactMessage(obj.spec.url, artifact.revision, annotations),
        metadata: { revision: artifact.revision, digest: artifact.digest },
      });
    }
  }

  return new StepReconciler<OCIRepository, OCIRepositoryStatus, OCIContext>({
    ...artifactSourceGuards<OCIRepository>(Kind, o, sli),
    context: (base): OCIContext => Object.assign(base, { intervalMs: 0, timeoutMs: 0 }),
    steps,
    ready: (ctx) => {
      const message = `stored artifact for digest '${ctx.resolved!.revision}'`;
      markTrue(ctx, ConditionTypes.ArtifactInStorage, Reasons.Succeeded, message);
      return { reason: Reasons.Succeeded, message, requeueAfterMs: withJitter(ctx.intervalMs) };
    },
    release: async (ctx) => {
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}

/** `<registry>/<repository>:<tag>` or `@<digest>`, as Flux names the reference in its messages. */
function describeRef(ctx: OCIContext): string {
  const base = `${ctx.address!.registry}/${ctx.address!.repository}`;
  const r = ctx.resolved!;
  return r.tag !== undefined ? `${base}:${r.tag}` : `${base}@${r.digest}`;
}

/** source-controller's NewArtifact message, with the origin source and revision when the manifest names both. */
export function newArtifactMessage(
  url: string,
  revision: string,
  annotations: Record<string, string> | undefined,
): string {
  const message = `stored artifact with revision '${revision}' from '${url}'`;
  const source = annotations?.[OciAnnotations.source];
  const origin = annotations?.[OciAnnotations.revision];
  return source && origin ? `${message}, origin source '${source}', origin revision '${origin}'` : message;
}
