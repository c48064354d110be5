import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConditionTypes, SourceReasons } from '../../api/constants.ts';
import type { Bucket } from '../../api/bucket.ts';
import type { GitRepository } from '../../api/git-repository.ts';
import {
  HelmChartReasons,
  helmChartIntervalMs,
  helmChartVersion,
  type HelmChart,
  type HelmChartStatus,
} from '../../api/helm-chart.ts';
import { helmRepositoryTimeoutMs, isOciHelmRepository, type HelmRepository } from '../../api/helm-repository.ts';
import type { Artifact } from '../../api/meta.ts';
import { StorageError } from '../../artifacts/errors.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { UnsafeArchiveError, untarSafe } from '../../artifacts/untar.ts';
import { getCondition, markTrue, deleteCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { isAuthFailure, readRepositoryAuth, RepositoryAuthError } from '../../sources/helm-repository/auth.ts';
import {
  buildLocalChart,
  buildRemoteChart,
  effectiveValuesFiles,
  localBuildTarget,
  remoteBuildTarget,
  type ChartBuild,
  type RemoteDependency,
} from '../../sources/helm-repository/build.ts';
import { ChartBuildError } from '../../sources/helm-repository/errors.ts';
import { httpGet } from '../../sources/helm-repository/http-get.ts';
import { HelmLimits, parseIndex, type RepositoryIndex } from '../../sources/helm-repository/repo-index.ts';
import { artifactSourceGuards } from '../artifact-source.ts';
import { buildSummary, versionMetadata, type BuildSummary } from './build-naming.ts';
import { fetchChartDependency } from './dependency.ts';
import { ociChartClient, ociChartIndex, pullOciChart, tagOfChartUrl } from './oci-chart.ts';
import {
  chartVerificationFailure,
  chartVerificationKeys,
  HttpVerifyMessage,
  markSourceVerified,
  resetSourceVerified,
  verifyOciChart,
} from './verify.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { messageOf, readSecretData, refuseUnsupportedFields, withJitter, type ControllerDeps } from '../shared.ts';

export interface HelmChartReconcilerOptions extends ControllerDeps {
  informer: Informer;
  /** Source informers by kind (HelmRepository, GitRepository, Bucket). */
  sources: ReadonlyMap<string, Informer>;
  storage: ArtifactStorage;
  /** How soon to look again at a source without an artifact (Flux's `--requeue-dependency`, default 30 s). */
  requeueDependencyMs?: number;
}

interface HelmChartContext extends ReconcileContext<HelmChart, HelmChartStatus> {
  intervalMs: number;
  source?: HelmRepository | GitRepository | Bucket;
  build?: BuildSummary;
  work?: string;
  wasFailing: boolean;
  /** The chart version was verified by `.spec.verify` in this reconcile. */
  verified?: boolean;
}

const fetchFailed = [{ type: ConditionTypes.FetchFailed, status: 'True' as const }];

/**
 * Reconciles HelmChart objects as source-controller does: from a HelmRepository, the chart version picked
 * from the stored index is downloaded (credentials only to the repository's host unless passCredentials);
 * from a GitRepository, the chart directory is packaged. Values files are merged into values.yaml; the
 * artifact is `<name>-<version>.tgz` with revision = the (possibly suffixed) chart version.
 */
export function helmChartReconciler(
  o: HelmChartReconcilerOptions,
): StepReconciler<HelmChart, HelmChartStatus, HelmChartContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const { client, storage } = o;

  const steps: Step<HelmChartContext, Result>[] = [
    refuseUnsupportedFields<HelmChartContext>('HelmChart'),
    {
      name: 'spec',
      run: (ctx) => {
        try {
          ctx.intervalMs = helmChartIntervalMs(ctx.obj.spec);
        } catch (err) {
          throw new ReconcileFailure('InvalidSpec', messageOf(err), { stalled: true });
        }
      },
    },
    {
      name: 'source',
      run: (ctx) => {
        const { kind, name } = ctx.obj.spec.sourceRef;
        const ns = ctx.obj.metadata.namespace ?? '';
        const source = o.sources.get(kind)?.get(`${ns}/${name}`) as HelmRepository | GitRepository | Bucket | undefined;
        if (!source) {
          throw new ReconcileFailure(
            'SourceUnavailable',
            `failed to get source: ${kind.toLowerCase().replace(/y$/, 'ie')}s.source.toolkit.fluxcd.io "${name}" not found`,
            { conditions: fetchFailed, requeueAfterMs: o.requeueDependencyMs ?? 30_000 },
          );
        }
        // A HelmRepository of type oci has no artifact: the chart is pulled from the registry itself.
        if (kind === 'HelmRepository' && isOciHelmRepository((source as HelmRepository).spec)) {
          ctx.source = source;
          delete ctx.status.observedSourceArtifactRevision;
          return;
        }
        if (!source.status?.artifact) {
          throw new ReconcileFailure('NoSourceArtifact', `no artifact available for ${kind} source '${name}'`, {
            waiting: true,
            event: 'none',
            conditions: fetchFailed,
            requeueAfterMs: o.requeueDependencyMs ?? 30_000,
          });
        }
        ctx.source = source;
        ctx.status.observedSourceArtifactRevision = source.status.artifact.revision;
      },
    },
    {
      name: 'build',
      run: async (ctx) => {
        resetSourceVerified(ctx);
        try {
          if (ctx.obj.spec.sourceRef.kind !== 'HelmRepository') await fromSourceArtifact(ctx);
          else if (isOciHelmRepository((ctx.source as HelmRepository).spec)) await fromOciRepository(ctx);
          else await fromHelmRepository(ctx);
        } catch (err) {
          throw toFailure(err, ctx.obj.spec.sourceRef.kind === 'HelmRepository');
        }
        deleteCondition(ctx, ConditionTypes.FetchFailed);
        deleteCondition(ctx, ConditionTypes.BuildFailed);
        if (ctx.verified) markSourceVerified(ctx, ctx.build!.version);
      },
    },
  ];

  /** The stored artifact is the build asked for: same name and version, same generation, still in storage. */
  async function cached(ctx: HelmChartContext, name: string, version: string): Promise<boolean> {
    const { status, obj } = ctx;
    return (
      status.artifact?.revision === version &&
      status.observedChartName === name &&
      status.observedGeneration === obj.metadata.generation &&
      (await storage.has(status.artifact).catch(() => false))
    );
  }

  async function fromHelmRepository(ctx: HelmChartContext): Promise<void> {
    const repo = ctx.source as HelmRepository;
    const repoArtifact = repo.status!.artifact!;
    const index = parseIndex(await readFile(storage.localPath(repoArtifact.path)));
    // source-controller asks the HTTP repository to verify, which it cannot: the build fails (Flux's words).
    const verify = ctx.obj.spec.verify
      ? () => Promise.reject(chartVerificationFailure(ctx, HttpVerifyMessage))
      : undefined;
    await fromIndex(ctx, index, versionMetadata(ctx.obj, repoArtifact.revision), verify, async () => {
      const ns = ctx.obj.metadata.namespace ?? '';
      let auth;
      try {
        auth = await readRepositoryAuth(ns, repo.spec, (n, name) => readSecretData(client, n, name));
      } catch (err) {
        if (!(err instanceof RepositoryAuthError)) throw err;
        throw new ReconcileFailure(SourceReasons.AuthenticationFailed, err.message, { conditions: fetchFailed });
      }
      return (url) =>
        httpGet(url, {
          ...(auth ? { auth } : {}),
          ...(repo.spec.passCredentials ? {} : { credentialsOrigin: new URL(repo.spec.url).origin }),
          timeoutMs: helmRepositoryTimeoutMs(repo.spec),
          maxBytes: HelmLimits.maxChartBytes,
          what: 'chart',
          signal: ctx.signal,
        });
    });
  }

  /** A chart of an OCI HelmRepository: versions from the tags, the chart layer of the chosen one. */
  async function fromOciRepository(ctx: HelmChartContext): Promise<void> {
    const repo = ctx.source as HelmRepository;
    const keys = await chartVerificationKeys(client, ctx);
    const rc = await ociChartClient({ client, repo, chart: ctx.obj.spec.chart, signal: ctx.signal });
    let tags: string[];
    try {
      tags = await rc.listTags();
    } catch (err) {
      throw new ChartBuildError(
        'ChartPullError',
        `failed to get chart version for remote reference: ${messageOf(err)}`,
      );
    }
    const index = ociChartIndex(repo.spec.url, ctx.obj.spec.chart, tags);
    // A verified version is pulled by the digest that was verified, not by its tag again.
    const verifiedDigests = new Map<string, string>();
    const verify = keys
      ? async (url: string) => {
          verifiedDigests.set(tagOfChartUrl(url), await verifyOciChart(ctx, rc, keys, url));
          ctx.verified = true;
        }
      : undefined;
    await fromIndex(ctx, index, versionMetadata(ctx.obj, undefined), verify, () =>
      Promise.resolve((url) => {
        const tag = tagOfChartUrl(url);
        return pullOciChart(rc, verifiedDigests.get(tag) ?? tag);
      }),
    );
  }

  /**
   * The chart version `spec.version` picks from a repository index, `verify`-ed first when given (at every
   * reconcile, as Flux): the stored artifact when it is that build, else downloaded with what `downloader`
   * returns (asked only then: it may read credentials) and stored.
   */
  async function fromIndex(
    ctx: HelmChartContext,
    index: RepositoryIndex,
    meta: string,
    verify: ((url: string) => Promise<void>) | undefined,
    downloader: () => Promise<(url: string) => Promise<Buffer>>,
  ): Promise<void> {
    const { obj } = ctx;
    const repo = ctx.source as HelmRepository;
    const valuesFiles = effectiveValuesFiles(obj.spec.valuesFiles ?? []);
    const target = remoteBuildTarget(index, obj.spec.chart, helmChartVersion(obj.spec), meta);
    await verify?.(target.url);
    if (await cached(ctx, target.name, target.version)) {
      const packaged = valuesFiles.length > 0 || meta !== '';
      ctx.build = { ...target, packaged, valuesFiles: ctx.status.observedValuesFiles ?? valuesFiles };
      return;
    }
    const build = await buildRemoteChart({
      index,
      repositoryUrl: repo.spec.url,
      chart: obj.spec.chart,
      version: helmChartVersion(obj.spec),
      valuesFiles: obj.spec.valuesFiles ?? [],
      ignoreMissingValuesFiles: obj.spec.ignoreMissingValuesFiles === true,
      versionMetadata: meta,
      download: await downloader(),
    });
    await store(ctx, build);
  }

  /** The chart directory of a GitRepository's or Bucket's artifact, packaged. */
  async function fromSourceArtifact(ctx: HelmChartContext): Promise<void> {
    const { obj } = ctx;
    const artifact = (ctx.source as GitRepository | Bucket).status!.artifact!;
    ctx.work = await mkdtemp(path.join(tmpdir(), 'driftless-helmchart-'));
    const root = path.join(ctx.work, 'source');
    await mkdir(root, { recursive: true });
    // The source's artifact was written by this process; the cap only guards against a corrupt file.
    await untarSafe({ source: createReadStream(storage.localPath(artifact.path)), dest: root, maxBytes: 1024 ** 3 });
    const options = {
      root,
      chartPath: obj.spec.chart,
      valuesFiles: obj.spec.valuesFiles ?? [],
      ignoreMissingValuesFiles: obj.spec.ignoreMissingValuesFiles === true,
      versionMetadata: versionMetadata(obj, artifact.revision),
      remoteDependency: (dep: RemoteDependency) =>
        fetchChartDependency({ ...o, namespace: obj.metadata.namespace ?? '', signal: ctx.signal }, dep),
    };
    const target = await localBuildTarget(options);
    if (await cached(ctx, target.name, target.version)) {
      const valuesFiles = effectiveValuesFiles(options.valuesFiles);
      ctx.build = { ...target, packaged: true, valuesFiles: ctx.status.observedValuesFiles ?? valuesFiles };
      return;
    }
    await store(ctx, await buildLocalChart(options));
  }

  async function store(ctx: HelmChartContext, build: ChartBuild): Promise<void> {
    const { obj, status } = ctx;
    const ns = obj.metadata.namespace ?? '';
    let artifact: Artifact;
    try {
      artifact = await storage.store({
        kind: 'HelmChart',
        namespace: ns,
        name: obj.metadata.name,
        filename: `${build.name}-${build.version}.tgz`,
        data: build.data,
        revision: build.version,
      });
      await storage.garbageCollect('HelmChart', ns, obj.metadata.name, artifact.path);
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      throw new ReconcileFailure(
        SourceReasons.ArchiveOperationFailed,
        `unable to copy Helm chart to storage: ${err.message}`,
        {
          conditions: [{ type: ConditionTypes.StorageOperationFailed, status: 'True' }],
        },
      );
    }
    const digestChanged = status.artifact?.digest !== artifact.digest;
    status.artifact = artifact;
    status.url = artifact.url;
    status.observedChartName = build.name;
    if (obj.spec.ignoreMissingValuesFiles === true) status.observedValuesFiles = build.valuesFiles;
    else delete status.observedValuesFiles;
    deleteCondition(ctx, ConditionTypes.StorageOperationFailed);
    ctx.build = build;
    if (digestChanged) {
      await ctx.event({
        type: 'Normal',
        reason: reasonFor(build),
        message: buildSummary(build),
        metadata: { revision: artifact.revision, digest: artifact.digest },
      });
      ctx.wasFailing = false;
    }
  }

  const reasonFor = (b: BuildSummary): string =>
    b.packaged ? HelmChartReasons.ChartPackageSucceeded : HelmChartReasons.ChartPullSucceeded;

  return new StepReconciler<HelmChart, HelmChartStatus, HelmChartContext>({
    ...artifactSourceGuards<HelmChart>('HelmChart', o, sli),
    context: (base): HelmChartContext =>
      Object.assign(base, {
        intervalMs: 0,
        wasFailing: getCondition(base.status as never, ConditionTypes.Ready)?.status === 'False',
      }),
    steps,
    ready: (ctx) => {
      const build = ctx.build!;
      const message = buildSummary(build);
      markTrue(ctx, ConditionTypes.ArtifactInStorage, reasonFor(build), message);
      deleteCondition(ctx, ConditionTypes.ArtifactOutdated);
      const artifact = ctx.status.artifact;
      const events =
        ctx.wasFailing && artifact
          ? [
              {
                type: 'Normal' as const,
                reason: reasonFor(build),
                message,
                metadata: { revision: artifact.revision, digest: artifact.digest },
              },
            ]
          : [];
      return { reason: reasonFor(build), message, requeueAfterMs: withJitter(ctx.intervalMs), events };
    },
    release: async (ctx) => {
      if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
    },
  });
}

/** Maps a build error to source-controller's reason: persistent build errors stall, auth errors say so. */
function toFailure(err: unknown, remote: boolean): unknown {
  if (err instanceof ReconcileFailure) return err;
  if (err instanceof ChartBuildError) {
    if (remote && err.reason === 'ChartPullError' && isAuthFailure(err.message)) {
      return new ReconcileFailure(
        SourceReasons.AuthenticationFailed,
        `failed to authenticate with the Helm repository: ${err.message}`,
        { conditions: fetchFailed },
      );
    }
    return new ReconcileFailure(err.reason, err.message, {
      stalled: err.persistent,
      conditions: [{ type: ConditionTypes.BuildFailed, status: 'True' }],
    });
  }
  if (err instanceof UnsafeArchiveError) {
    const reason = remote ? 'ChartPullError' : 'ChartPackageError';
    const summary = remote ? 'chart pull error' : 'chart package error';
    return new ReconcileFailure(reason, `${summary}: unsafe chart archive: ${err.message}`, {
      conditions: [{ type: ConditionTypes.BuildFailed, status: 'True' }],
    });
  }
  return err;
}
