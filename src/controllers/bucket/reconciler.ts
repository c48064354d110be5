import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConditionTypes, EventReasons, Kinds, Reasons, SourceReasons } from '../../api/constants.ts';
import { BucketReasons, bucketIntervalMs, bucketTimeoutMs, type Bucket, type BucketStatus } from '../../api/bucket.ts';
import { archiveDirectory } from '../../artifacts/archive.ts';
import { ArchiveError, StorageError } from '../../artifacts/errors.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { deleteCondition, markTrue } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { asFailure, ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { BucketEndpointError, BucketError } from '../../sources/bucket/errors.ts';
import { fetchIndexedObjects, indexBucket, type BucketSource } from '../../sources/bucket/fetch-bucket.ts';
import { bucketArtifactFilename, bucketRevision, type EtagIndex } from '../../sources/bucket/revision.ts';
import { S3Client, type S3ClientOptions } from '../../sources/bucket/s3-client.ts';
import { artifactSourceGuards } from '../artifact-source.ts';
import { readProxyUrl } from '../proxy-secret.ts';
import { SliMetrics } from '../sli-metrics.ts';
import {
  messageOf,
  readSecretData,
  readTlsSecret,
  refuseUnsupportedFields,
  withJitter,
  type ControllerDeps,
  type TlsSecret,
} from '../shared.ts';

export interface BucketReconcilerOptions extends ControllerDeps {
  informer: Informer;
  storage: ArtifactStorage;
}

interface BucketContext extends ReconcileContext<Bucket, BucketStatus> {
  intervalMs: number;
  timeoutMs: number;
  client?: S3Client;
  /** Private scratch directory of this reconcile, removed at the end. */
  work?: string;
  /** The index, when its objects were downloaded for a new artifact; absent when the artifact is up to date. */
  index?: EtagIndex;
  /** Objects in the index (source-controller's count in its events). */
  indexSize: number;
  revision?: string;
}

/**
 * The Ready reason source-controller gives an error: a bad endpoint → AuthenticationFailed (the client
 * cannot be built), any bucket client error → BucketOperationFailed, ArchiveError → ArchiveOperationFailed,
 * StorageError → StorageOperationFailed; undefined for anything else.
 */
export function bucketFailureReason(err: unknown): string | undefined {
  if (err instanceof BucketEndpointError) return SourceReasons.AuthenticationFailed;
  if (err instanceof BucketError) return BucketReasons.BucketOperationFailed;
  if (err instanceof ArchiveError) return SourceReasons.ArchiveOperationFailed;
  if (err instanceof StorageError) return ConditionTypes.StorageOperationFailed;
  return undefined;
}

/** A failure that also sets one of source-controller's abnormal-true conditions (FetchFailed, StorageOperationFailed). */
const failWith = (condition: string, err: unknown, fallbackReason: string): ReconcileFailure => {
  const f = asFailure(err, bucketFailureReason(err) ?? fallbackReason);
  return new ReconcileFailure(f.reason, f.message, { cause: err, conditions: [{ type: condition, status: 'True' }] });
};

/** An authentication failure (Secret missing or incomplete): FetchFailed=True, retried with backoff. */
const authFailure = (message: string): ReconcileFailure =>
  new ReconcileFailure(SourceReasons.AuthenticationFailed, message, {
    conditions: [{ type: ConditionTypes.FetchFailed, status: 'True' }],
  });

/** The reconcile's signal, also aborted after `ms` (spec.timeout), as source-controller bounds each phase. */
const withTimeout = (signal: AbortSignal, ms: number): AbortSignal =>
  AbortSignal.any([signal, AbortSignal.timeout(ms)]);

/**
 * Reconciles Bucket objects (provider generic: any S3-compatible server, Signature V4) as steps on the
 * shared skeleton: spec → credentials → index the bucket (key → ETag) → download the objects when the
 * revision changed → archive and store. A failure keeps the last artifact and backs off exponentially.
 */
export function bucketReconciler(o: BucketReconcilerOptions): StepReconciler<Bucket, BucketStatus, BucketContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;

  const steps: Step<BucketContext, Result>[] = [
    refuseUnsupportedFields<BucketContext>(Kinds.Bucket),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = bucketIntervalMs(ctx.obj.spec);
          ctx.timeoutMs = bucketTimeoutMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
      },
    },
    {
      name: 'credentials',
      run: async (ctx) => {
        const opts = await clientOptions(ctx.obj);
        try {
          ctx.client = new S3Client(opts);
        } catch (err) {
          throw failWith(ConditionTypes.FetchFailed, err, BucketReasons.BucketOperationFailed);
        }
      },
    },
    {
      name: 'fetch',
      run: async (ctx) => {
        const { obj, status } = ctx;
        ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-bucket-'));
        const src: BucketSource = {
          client: ctx.client!,
          bucket: obj.spec.bucketName,
          prefix: obj.spec.prefix ?? '',
          ...(obj.spec.ignore !== undefined ? { ignore: obj.spec.ignore } : {}),
          dir: path.join(ctx.work, 'objects'),
        };
        await mkdir(src.dir);
        try {
          const index = await indexBucket({ ...src, signal: withTimeout(ctx.signal, ctx.timeoutMs) });
          ctx.revision = bucketRevision(index);
          ctx.index = index;
          ctx.indexSize = index.size;
          const previous = status.artifact;
          const upToDate =
            previous?.revision === ctx.revision &&
            (status.observedIgnore ?? '') === (obj.spec.ignore ?? '') &&
            (await storage.has(previous));
          if (!upToDate) {
            const message = `new upstream revision '${ctx.revision}'`;
            if (previous) markTrue(ctx, ConditionTypes.ArtifactOutdated, SourceReasons.NewRevision, message);
            await ctx.progress(Reasons.Progressing, `building artifact: ${message}`);
            await fetchIndexedObjects({ ...src, signal: withTimeout(ctx.signal, ctx.timeoutMs) }, index);
            // Objects that disappeared or changed while downloading moved the index: the revision follows.
            ctx.revision = bucketRevision(index);
            ctx.indexSize = index.size;
          } else {
            ctx.index = undefined;
          }
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          throw failWith(ConditionTypes.FetchFailed, err, BucketReasons.BucketOperationFailed);
        }
        deleteCondition(ctx, ConditionTypes.FetchFailed);
      },
    },
    {
      name: 'artifact',
      run: async (ctx) => {
        const { obj, status } = ctx;
        const previous = status.artifact;
        try {
          if (ctx.index) await storeArtifact(ctx, ctx.index);
          // The advertised address may have changed since the artifact was stored (a restart on another
          // address): consumers must download from the current one, as source-controller re-sets the URL.
          else if (previous && previous.url !== storage.urlOf(previous.path))
            status.artifact = { ...previous, url: storage.urlOf(previous.path) };
        } catch (err) {
          if (err instanceof ReconcileFailure) throw err;
          throw failWith(ConditionTypes.StorageOperationFailed, err, Reasons.Failed);
        }
        if (obj.spec.ignore !== undefined) status.observedIgnore = obj.spec.ignore;
        else delete status.observedIgnore;
        deleteCondition(ctx, ConditionTypes.StorageOperationFailed);
        deleteCondition(ctx, ConditionTypes.ArtifactOutdated);
      },
    },
  ];

  async function storeArtifact(ctx: BucketContext, index: EtagIndex): Promise<void> {
    const { obj } = ctx;
    const ns = obj.metadata.namespace ?? '';
    const revision = ctx.revision!;
    // source-controller archives the downloaded tree as it is: the ignore rules already shaped the index.
    const { data } = await archiveDirectory({ dir: path.join(ctx.work!, 'objects') }).catch((err: unknown) => {
      throw failWith(ConditionTypes.StorageOperationFailed, err, SourceReasons.ArchiveOperationFailed);
    });
    const artifact = await storage.store({
      kind: Kinds.Bucket,
      namespace: ns,
      name: obj.metadata.name,
      filename: bucketArtifactFilename(revision),
      data,
      revision,
    });
    await storage.garbageCollect(Kinds.Bucket, ns, obj.metadata.name, artifact.path);
    ctx.status.artifact = artifact;
    await ctx.event({
      type: 'Normal',
      reason: EventReasons.NewArtifact,
      message: `stored artifact with ${index.size} fetched files from '${obj.spec.bucketName}' bucket`,
      metadata: { revision, digest: artifact.digest },
    });
  }

  /** Endpoint, region, TLS, proxy and the static keys of `spec.secretRef` (`accesskey`/`secretkey`). */
  async function clientOptions(obj: Bucket): Promise<S3ClientOptions> {
    const ns = obj.metadata.namespace ?? '';
    const opts: S3ClientOptions = {
      endpoint: obj.spec.endpoint,
      insecure: obj.spec.insecure === true,
      ...(obj.spec.region ? { region: obj.spec.region } : {}),
    };
    const ref = obj.spec.secretRef;
    if (ref) {
      const data = await readSecretData(client, ns, ref.name);
      if (!data) throw authFailure(`failed to get secret '${ns}/${ref.name}': secrets "${ref.name}" not found`);
      if (data['accesskey'] === undefined || data['secretkey'] === undefined) {
        throw authFailure(`invalid '${ref.name}' secret data: required fields 'accesskey' and 'secretkey'`);
      }
      // minio-go signs only when both are non-empty; otherwise it sends anonymous requests.
      if (data['accesskey'] !== '' && data['secretkey'] !== '') {
        opts.credentials = { accessKeyId: data['accesskey'], secretAccessKey: data['secretkey'] };
      }
    }
    const certRef = obj.spec.certSecretRef;
    // source-controller applies the TLS settings only to https endpoints.
    if (certRef && obj.spec.insecure !== true) {
      let tls: TlsSecret;
      try {
        tls = await readTlsSecret(client, ns, certRef.name);
      } catch (err) {
        throw authFailure(messageOf(err));
      }
      if (tls.ca !== undefined) opts.ca = tls.ca;
      if (tls.cert !== undefined && tls.key !== undefined) Object.assign(opts, { cert: tls.cert, key: tls.key });
    }
    const proxyRef = obj.spec.proxySecretRef;
    if (proxyRef) {
      try {
        opts.proxy = await readProxyUrl(client, ns, proxyRef.name);
      } catch (err) {
        throw authFailure(`failed to get proxy URL: ${messageOf(err)}`);
      }
    }
    return opts;
  }

  return new StepReconciler<Bucket, BucketStatus, BucketContext>({
    ...artifactSourceGuards<Bucket>(Kinds.Bucket, o, sli),
    context: (base): BucketContext => Object.assign(base, { intervalMs: 0, timeoutMs: 0, indexSize: 0 }),
    steps,
    ready: (ctx) => {
      const message = `stored artifact: revision '${ctx.status.artifact?.revision ?? ctx.revision ?? ''}'`;
      markTrue(ctx, ConditionTypes.ArtifactInStorage, Reasons.Succeeded, message);
      const summary = { reason: Reasons.Succeeded, message, requeueAfterMs: withJitter(ctx.intervalMs) };
      // source-controller announces a recovery from FetchFailed/StorageOperationFailed with the same
      // artifact as a Succeeded event (a new artifact already had its NewArtifact event).
      const failedBefore = (ctx.obj.status?.conditions ?? []).some(
        (c) =>
          c.status === 'True' &&
          (c.type === ConditionTypes.FetchFailed || c.type === ConditionTypes.StorageOperationFailed),
      );
      const artifact = ctx.status.artifact;
      if (ctx.index || !failedBefore || !artifact) return summary;
      const recovered = `stored artifact with ${ctx.indexSize} fetched files from '${ctx.obj.spec.bucketName}' bucket`;
      return {
        ...summary,
        events: [
          {
            type: 'Normal' as const,
            reason: Reasons.Succeeded,
            message: recovered,
            metadata: { revision: artifact.revision, digest: artifact.digest },
          },
        ],
      };
    },
    release: async (ctx) => {
      ctx.client?.close();
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}
