import { ConditionTypes, Finalizer, Reasons } from '../../api/constants.ts';
import type { ImagePolicy, ImagePolicyStatus, ImageRef } from '../../api/image-policy.ts';
import { ImageReasons, imageRepositoryTimeoutMs, type ImageRepository } from '../../api/image-repository.ts';
import { parseDuration } from '../../api/duration.ts';
import type { KubeClient } from '../../kube/client.ts';
import { RegistryClient } from '../../sources/oci/client.ts';
import { InvalidPolicyError, NoMatchingTagError, selectLatestTag } from '../../sources/image/policy.ts';
import type { ImageTagStore } from '../../sources/image/tag-store.ts';
import { getCondition } from '../../runtime/conditions.ts';
import type { Informer } from '../../runtime/informer.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { StepReconciler, type ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import { imageRegistryAccess } from '../image-credentials.ts';
import { SliMetrics } from '../sli-metrics.ts';
import { parseImageName } from '../../sources/image/image-name.ts';
import { labelSelectorMatcher } from '../../util/label-selector.ts';
import { handledRequest, messageOf, refuseUnsupportedFields, type ControllerDeps } from '../shared.ts';

const Kind = 'ImagePolicy';

/** Flux's reasons specific to ImagePolicy. */
export const ImagePolicyReasons = {
  InvalidPolicy: 'InvalidPolicy',
  AccessDenied: 'AccessDenied',
  /** metav1.StatusFailure: what Flux sets when no tag matches. */
  Failure: 'Failure',
} as const;

export interface ImagePolicyReconcilerOptions extends ControllerDeps {
  informer: Informer;
  repositories: Informer;
  tags: ImageTagStore;
  /** How soon to look again when the ImageRepository has no tags yet (Flux's --requeue-dependency). */
  requeueDependencyMs?: number;
  /** Flux's --no-cross-namespace-refs: an ImageRepository of another namespace is never used. */
  noCrossNamespaceRefs?: boolean | undefined;
}

/** Flux's ACL: whether namespace `ns`'s labels match one of the ImageRepository's `accessFrom.namespaceSelectors`. */
async function namespaceAllowed(
  client: KubeClient,
  ns: string,
  acl: ImageRepository['spec']['accessFrom'],
): Promise<boolean> {
  if (!acl) return false;
  const namespace = await client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  const labels = namespace?.metadata.labels ?? {};
  return acl.namespaceSelectors.some((sel) => labelSelectorMatcher({ matchLabels: sel.matchLabels ?? {} })(labels));
}

interface ImagePolicyContext extends ReconcileContext<ImagePolicy, ImagePolicyStatus> {
  repo?: ImageRepository;
  client: KubeClient;
}

const sameRef = (a: ImageRef | undefined, b: ImageRef | undefined): boolean =>
  a?.name === b?.name && a?.tag === b?.tag && (a?.digest ?? '') === (b?.digest ?? '');

/** Flux's Ready message: the latest tag, and the previous one when it changed. */
export function imagePolicyReadyMessage(status: ImagePolicyStatus): string {
  const latest = status.latestRef!;
  let message = `Latest image tag for ${latest.name} resolved to ${latest.tag}`;
  if (latest.digest) message += ` with digest ${latest.digest}`;
  const prev = status.observedPreviousRef;
  if (prev && !sameRef(prev, latest)) {
    message += ` (previously ${prev.name}:${prev.tag}${prev.digest ? `@${prev.digest}` : ''})`;
  }
  return message;
}

/**
 * Reconciles ImagePolicy objects: refuse unsupported fields → the ImageRepository (same namespace) →
 * its scanned tags from the tag store → filterTags and the policy → latestRef (observedPreviousRef when
 * it changes), with an event when the latest image changes.
 */
export function imagePolicyReconciler(
  o: ImagePolicyReconcilerOptions,
): StepReconciler<ImagePolicy, ImagePolicyStatus, ImagePolicyContext> {
  const sli = new SliMetrics({ registry: o.metrics.registry });
  const requeueDependencyMs = o.requeueDependencyMs ?? 5000;

  const steps: Step<ImagePolicyContext, Result>[] = [
    refuseUnsupportedFields<ImagePolicyContext>(Kind),
    {
      name: 'repository',
      run: async (ctx) => {
        const ns = ctx.obj.metadata.namespace ?? '';
        const ref = ctx.obj.spec.imageRepositoryRef;
        const repoNs = ref.namespace || ns;
        const failed = 'failed to get the referred ImageRepository';
        const denied = (msg: string) => new ReconcileFailure(ImagePolicyReasons.AccessDenied, `${failed}: ${msg}`);
        if (o.noCrossNamespaceRefs && repoNs !== ns)
          throw denied(
            `cannot access 'ImageRepository/${repoNs}/${ref.name}', cross-namespace references have been blocked`,
          );
        const repo = o.repositories.get(`${repoNs}/${ref.name}`) as ImageRepository | undefined;
        if (!repo) {
          throw new ReconcileFailure(
            ImageReasons.DependencyNotReady,
            `${failed}: referenced ImageRepository does not exist: imagerepositories.image.toolkit.fluxcd.io "${ref.name}" not found`,
            { waiting: true, requeueAfterMs: requeueDependencyMs },
          );
        }
        if (repoNs !== ns && !(await namespaceAllowed(o.client, ns, repo.spec.accessFrom)))
          throw denied(
            repo.spec.accessFrom
              ? `access denied: '${repoNs}/${ref.name}' can't be accessed due to ACL labels mismatch on namespace '${ns}'`
              : `access denied: '${repoNs}/${ref.name}' can't be accessed due to missing ACL labels on 'accessFrom'`,
          );
        try {
          parseImageName(repo.spec.image);
        } catch (err) {
          throw new ReconcileFailure(ImageReasons.ImageURLInvalid, messageOf(err), { stalled: true });
        }
        ctx.repo = repo;
      },
    },
    {
      name: 'policy',
      run: async (ctx) => {
        const { obj, status } = ctx;
        const repo = ctx.repo!;
        const tags = o.tags.tags(
          `${repo.metadata.namespace ?? ''}/${repo.metadata.name}`,
          repo.status?.canonicalImageName,
        );
        let latest: string;
        try {
          if (tags.length === 0) throw new NoTags();
          latest = selectLatestTag(tags, obj.spec.policy, obj.spec.filterTags);
        } catch (err) {
          if (err instanceof InvalidPolicyError) {
            throw new ReconcileFailure(ImagePolicyReasons.InvalidPolicy, err.message, { stalled: true });
          }
          if (err instanceof NoTags) {
            throw new ReconcileFailure(
              ImageReasons.DependencyNotReady,
              `retrying in ${Math.round(requeueDependencyMs / 1000)}s error: no tags in database`,
              { waiting: true, requeueAfterMs: requeueDependencyMs },
            );
          }
          if (err instanceof NoMatchingTagError) {
            throw new ReconcileFailure(ImagePolicyReasons.Failure, err.message, { cause: err });
          }
          throw err;
        }
        const latestRef: ImageRef = { name: repo.spec.image, tag: latest };
        const reflect = obj.spec.digestReflectionPolicy ?? 'Never';
        const prev = status.latestRef;
        if (reflect === 'IfNotPresent' && prev?.name === latestRef.name && prev.tag === latest && prev.digest) {
          latestRef.digest = prev.digest;
        } else if (reflect !== 'Never') {
          latestRef.digest = await fetchDigest(ctx, repo, latest);
        }
        if (!status.latestRef || !sameRef(latestRef, status.latestRef)) {
          if (status.latestRef) status.observedPreviousRef = status.latestRef;
          else delete status.observedPreviousRef;
          status.latestRef = latestRef;
        }
      },
    },
  ];

  return new StepReconciler<ImagePolicy, ImagePolicyStatus, ImagePolicyContext>({
    kind: Kind,
    client: o.client,
    recorder: o.recorder,
    logger: o.logger,
    outcomes: sli,
    // SLI M4: a failed image automation run, by reason (waiting on a source is not a failure).
    onFailure: (_ctx, failure) => {
      if (failure.opts.waiting !== true) sli.imageAutomationFailed(failure.reason);
    },
    read: (req) => o.informer.get(`${req.namespace}/${req.name}`) as ImagePolicy | undefined,
    finalizer: Finalizer,
    finalize: async (obj) => {
      await removeFinalizer(o.client, obj, Finalizer);
      return {};
    },
    skip: (obj) => obj.spec.suspend === true,
    context: (base): ImagePolicyContext => Object.assign(base, { client: o.client }),
    steps,
    fallbackReason: Reasons.Failed,
    retryAfterMs: () => 'backoff',
    ready: (ctx) => {
      const message = imagePolicyReadyMessage(ctx.status);
      const before = getCondition(ctx.obj, ConditionTypes.Ready);
      // Flux's notify: an event when the object becomes ready or its Ready message (the latest image) changes.
      const changed = before?.status !== 'True' || before.message !== message;
      // Digest policy Always: look again every spec.interval (the CRD requires it then).
      const interval = ctx.obj.spec.digestReflectionPolicy === 'Always' ? ctx.obj.spec.interval : undefined;
      return {
        reason: Reasons.Succeeded,
        message,
        ...(interval ? { requeueAfterMs: parseDuration(interval, 'spec.interval') } : {}),
        ...(changed ? { events: [{ type: 'Normal' as const, reason: Reasons.Succeeded, message }] } : {}),
      };
    },
    finishStatus: (ctx) => handledRequest(ctx.obj, ctx.status),
  });
}

class NoTags extends Error {}

/** The manifest digest of `<image>:<tag>` (a HEAD request, as Flux's remote.Head), with the ImageRepository's credentials. */
async function fetchDigest(ctx: ImagePolicyContext, repo: ImageRepository, tag: string): Promise<string> {
  const image = parseImageName(repo.spec.image);
  try {
    const access = await imageRegistryAccess(ctx.client, repo, image.registry);
    const registry = new RegistryClient({
      registry: image.registry,
      repository: image.repository,
      insecure: repo.spec.insecure ?? false,
      ...access,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(imageRepositoryTimeoutMs(repo.spec))]),
      userAgent: 'driftless/image-reflector-controller',
    });
    return (await registry.resolve(tag)).digest;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    throw new ReconcileFailure(
      err instanceof ReconcileFailure ? err.reason : Reasons.Failed,
      `failed fetching digest of ${repo.spec.image}:${tag}: ${messageOf(err)}`,
      { cause: err },
    );
  }
}
