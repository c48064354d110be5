// HelmChart `.spec.verify`, as source-controller applies it: only a chart of a HelmRepository of type oci is
// verified (cosign, with the public keys of `secretRef`, the OCIRepository's verifier), at every reconcile,
// before the stored artifact is reused or a new one pulled, so a failure keeps the last artifact. A chart of
// an HTTP HelmRepository fails as Flux's does ("not implemented"); a GitRepository or Bucket source is
// refused at admission by the CRD's rule.
import { ConditionTypes, Reasons, SourceReasons } from '../../api/constants.ts';
import type { HelmChart, HelmChartStatus } from '../../api/helm-chart.ts';
import type { KubeClient } from '../../kube/client.ts';
import { deleteCondition, getCondition, markFalse, markTrue, setCondition } from '../../runtime/conditions.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import { ChartBuildError } from '../../sources/helm-repository/errors.ts';
import type { RegistryClient } from '../../sources/oci/client.ts';
import { OciVerificationError, verifyCosignSignature } from '../../sources/oci/cosign.ts';
import type { TrustedKey } from '../../sources/oci/cosign-verify.ts';
import { cosignKeySecretName, CosignKeysError, readCosignKeys } from '../cosign-keys.ts';
import { messageOf } from '../shared.ts';
import { tagOfChartUrl } from './oci-chart.ts';

type ChartContext = ReconcileContext<HelmChart, HelmChartStatus>;

/** The detail Flux gives for a chart of an HTTP repository, and what to do about it. */
export const HttpVerifyMessage =
  'not implemented: spec.verify applies only to charts of a HelmRepository of type oci, source-controller verifies no chart of an HTTP repository; remove spec.verify or pull the chart from an OCI registry';

/**
 * Before a build: without `.spec.verify` SourceVerified goes; a False one goes too, since a failed
 * verification is recomputed (source-controller's reconcileSource). A True one stays until the next verdict.
 */
export function resetSourceVerified(ctx: ChartContext): void {
  if (!ctx.obj.spec.verify || getCondition(ctx, ConditionTypes.SourceVerified)?.status === 'False') {
    deleteCondition(ctx, ConditionTypes.SourceVerified);
  }
}

/**
 * The trusted keys of `.spec.verify` (undefined without one), read before the registry is asked, as
 * source-controller's makeVerifiers. Keyless is NotSupported; a missing Secret or one without a `.pub` key
 * fails with VerificationError: `failed to verify the signature using provider 'cosign': …`.
 */
export async function chartVerificationKeys(client: KubeClient, ctx: ChartContext): Promise<TrustedKey[] | undefined> {
  const spec = ctx.obj.spec.verify;
  if (!spec) return undefined;
  const secretName = cosignKeySecretName(spec);
  const ns = ctx.obj.metadata.namespace ?? '';
  let keys: TrustedKey[];
  try {
    keys = await readCosignKeys(client, ns, secretName);
  } catch (err) {
    if (!(err instanceof CosignKeysError)) throw err;
    throw keysFailure(ctx, err.message, err);
  }
  if (keys.length === 0) throw keysFailure(ctx, `no public keys found in secret '${ns}/${secretName}'`);
  return keys;
}

/** A makeVerifiers error: Ready and SourceVerified False (VerificationError), FetchFailed (reason Unknown) as Flux. */
function keysFailure(ctx: ChartContext, detail: string, cause?: unknown): ReconcileFailure {
  const message = `failed to verify the signature using provider '${ctx.obj.spec.verify?.provider ?? 'cosign'}': ${detail}`;
  markFalse(ctx, ConditionTypes.SourceVerified, SourceReasons.VerificationError, message);
  setCondition(ctx, { type: ConditionTypes.FetchFailed, status: 'True', reason: 'Unknown', message });
  return new ReconcileFailure(SourceReasons.VerificationError, message, { cause });
}

/**
 * Verifies the chart version at `url` (`oci://…/<chart>:<tag>`): the tag's digest must carry a cosign
 * signature by one of `keys`. Returns that digest, which the caller pulls (never the tag again). Any failure,
 * the registry's included, is a ChartVerificationError (see {@link chartVerificationFailure}).
 */
export async function verifyOciChart(
  ctx: ChartContext,
  rc: RegistryClient,
  keys: TrustedKey[],
  url: string,
): Promise<string> {
  try {
    const { digest } = await rc.resolve(tagOfChartUrl(url));
    await verifyCosignSignature(rc, digest, keys);
    return digest;
  } catch (err) {
    throw chartVerificationFailure(ctx, `failed to verify ${url}: ${verificationDetail(err)}`, err);
  }
}

/** Flux's words for a verification verdict (`no signatures found`, `no matching signatures: …`), else the error. */
export function verificationDetail(err: unknown): string {
  if (!(err instanceof OciVerificationError)) return messageOf(err);
  return err.unsigned ? `no signatures found: ${err.detail}` : `no matching signatures: ${err.detail}`;
}

/**
 * source-controller's ErrChartVerification: Ready=False and BuildFailed=True (ChartVerificationError),
 * SourceVerified=False (VerificationError), FetchFailed gone; retried, the last artifact kept.
 */
export function chartVerificationFailure(ctx: ChartContext, detail: string, cause?: unknown): ReconcileFailure {
  const err = new ChartBuildError('ChartVerificationError', detail);
  deleteCondition(ctx, ConditionTypes.FetchFailed);
  markFalse(ctx, ConditionTypes.SourceVerified, SourceReasons.VerificationError, err.message);
  return new ReconcileFailure(err.reason, err.message, {
    cause,
    conditions: [{ type: ConditionTypes.BuildFailed, status: 'True' }],
  });
}

/** After a build whose chart was verified: SourceVerified=True, `verified signature of version <version>`. */
export function markSourceVerified(ctx: ChartContext, version: string): void {
  markTrue(ctx, ConditionTypes.SourceVerified, Reasons.Succeeded, `verified signature of version ${version}`);
}
