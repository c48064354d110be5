// The OCIRepository step between `resolve` and `pull`: `.spec.verify` (cosign, public keys from
// `secretRef`) checks the resolved digest's signatures before anything is pulled, and sets SourceVerified
// as source-controller does. A failure keeps the last artifact; keyless and notation are refused by name.
import { ConditionTypes, Reasons, SourceReasons } from '../../api/constants.ts';
import type { OCIRepository, OCIRepositoryStatus } from '../../api/oci-repository.ts';
import type { KubeClient } from '../../kube/client.ts';
import { deleteCondition, getCondition, markTrue } from '../../runtime/conditions.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import type { RegistryClient } from '../../sources/oci/client.ts';
import { verifyCosignSignature } from '../../sources/oci/cosign.ts';
import type { TrustedKey } from '../../sources/oci/cosign-verify.ts';
import type { ResolvedArtifact } from '../../sources/oci/pull.ts';
import { cosignKeySecretName, CosignKeysError, readCosignKeys } from '../cosign-keys.ts';
import { messageOf } from '../shared.ts';

/** What the verify step reads from the reconcile: the registry client and the resolved reference. */
export interface OCIVerifyContext extends ReconcileContext<OCIRepository, OCIRepositoryStatus> {
  client?: RegistryClient;
  resolved?: ResolvedArtifact;
}

/**
 * `verify`: without `.spec.verify`, removes SourceVerified. With it, verifies when the revision is new, the
 * spec changed since the last verification, or the last one failed (source-controller's triggers); a
 * SourceVerified=True of the current generation and revision stands. Failure: SourceVerified=False and
 * Ready=False, both `VerificationError` with Flux's message, before the pull, so the last artifact stays.
 */
export function ociVerifyStep<C extends OCIVerifyContext>(o: { client: KubeClient }): Step<C, Result> {
  return {
    name: 'verify',
    run: async (ctx) => {
      const { obj, status } = ctx;
      const spec = obj.spec.verify;
      const previous = getCondition(ctx, ConditionTypes.SourceVerified);
      if (!spec) {
        deleteCondition(ctx, ConditionTypes.SourceVerified);
        return;
      }
      // A failed verification is recomputed; a True one stays, it describes the artifact still in storage.
      if (previous?.status === 'False') deleteCondition(ctx, ConditionTypes.SourceVerified);
      const revision = ctx.resolved!.revision;
      const current =
        previous?.status === 'True' &&
        previous.observedGeneration === (obj.metadata.generation ?? 0) &&
        status.artifact?.revision === revision;
      if (current) return;
      const provider = spec.provider ?? 'cosign';
      const secretName = cosignKeySecretName(spec);
      const fail = (message: string, cause?: unknown): ReconcileFailure =>
        new ReconcileFailure(
          SourceReasons.VerificationError,
          `failed to verify the signature using provider '${provider}': ${message}`,
          { cause, conditions: [{ type: ConditionTypes.SourceVerified, status: 'False' }] },
        );
      let keys: TrustedKey[];
      try {
        keys = await readCosignKeys(o.client, obj.metadata.namespace ?? '', secretName);
      } catch (err) {
        if (!(err instanceof CosignKeysError)) throw err;
        throw fail(err.message, err);
      }
      try {
        await verifyCosignSignature(ctx.client!, ctx.resolved!.digest, keys);
      } catch (err) {
        throw fail(messageOf(err), err);
      }
      markTrue(ctx, ConditionTypes.SourceVerified, Reasons.Succeeded, `verified signature of revision ${revision}`);
    },
  };
}
