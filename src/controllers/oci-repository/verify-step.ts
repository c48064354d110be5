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
import { trustedKeysFromSecret, type TrustedKey } from '../../sources/oci/cosign-verify.ts';
import type { ResolvedArtifact } from '../../sources/oci/pull.ts';
import { messageOf, readSecretData } from '../shared.ts';

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
      if (provider !== 'cosign' || !spec.secretRef) {
        // The field table refuses notation and the keyless matchers; a cosign verify without a key is keyless too.
        throw new ReconcileFailure(
          Reasons.NotSupported,
          `spec.verify without spec.verify.secretRef (keyless cosign verification against Fulcio and Rekor) is not supported by Driftless: sign with a key pair and put the public key (<name>.pub) in a Secret named by spec.verify.secretRef`,
          { stalled: true },
        );
      }
      const fail = (message: string, cause?: unknown): ReconcileFailure =>
        new ReconcileFailure(
          SourceReasons.VerificationError,
          `failed to verify the signature using provider '${provider}': ${message}`,
          { cause, conditions: [{ type: ConditionTypes.SourceVerified, status: 'False' }] },
        );
      const ns = obj.metadata.namespace ?? '';
      const data = await readSecretData(o.client, ns, spec.secretRef.name);
      if (!data) throw fail(`secrets "${spec.secretRef.name}" not found`);
      let keys: TrustedKey[];
      try {
        keys = trustedKeysFromSecret(data);
      } catch (err) {
        throw fail(`secret '${ns}/${spec.secretRef.name}': ${messageOf(err)}`, err);
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
