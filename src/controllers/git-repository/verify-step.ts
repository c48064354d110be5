// The GitRepository step after `fetch`: `.spec.verify` checks the commit and/or tag signature before any
// artifact is stored, and sets SourceVerified as source-controller does. A failure keeps the last artifact.
import path from 'node:path';
import { ConditionTypes, Reasons, SourceReasons } from '../../api/constants.ts';
import { gitRepositoryTimeoutMs, type GitRepository, type GitRepositoryStatus } from '../../api/git-repository.ts';
import type { KubeClient } from '../../kube/client.ts';
import { deleteCondition, getCondition, markTrue } from '../../runtime/conditions.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import type { ReconcileContext } from '../../runtime/reconcile/skeleton.ts';
import type { Step } from '../../runtime/reconcile/steps.ts';
import type { Result } from '../../runtime/result.ts';
import type { FetchedRevision } from '../../sources/git/fetch-revision.ts';
import { verificationKeysFromSecret } from '../../sources/git/signature.ts';
import {
  InvalidSignatureError,
  NoTagToVerifyError,
  UnsignedTagError,
  verifiedMessage,
  verifySignatures,
  type VerificationMode,
  type VerifiedObject,
} from '../../sources/git/verify-signature.ts';
import { readSecretData } from '../shared.ts';

/** What the verify step reads from the reconcile: the checkout directory and the fetched revision. */
export interface VerifyContext extends ReconcileContext<GitRepository, GitRepositoryStatus> {
  work?: string;
  fetched?: FetchedRevision;
}

/** Options of `verifyStep`: the client that reads the public keys Secret, and the check (replaceable in tests). */
export interface VerifyStepOptions {
  client: KubeClient;
  verify?: typeof verifySignatures;
}

/** The Ready/SourceVerified reason source-controller gives a verification error; `stalled` when only a spec change helps. */
export function verificationFailureReason(err: unknown): { reason: string; stalled: boolean } {
  if (err instanceof NoTagToVerifyError) return { reason: SourceReasons.InvalidVerificationMode, stalled: true };
  if (err instanceof UnsignedTagError) return { reason: SourceReasons.InvalidGitObject, stalled: false };
  if (err instanceof InvalidSignatureError) {
    const reason = err.object === 'tag' ? SourceReasons.InvalidTagSignature : SourceReasons.InvalidCommitSignature;
    return { reason, stalled: false };
  }
  return { reason: SourceReasons.VerificationError, stalled: false };
}

/**
 * `verify`: without `.spec.verify`, removes SourceVerified and `status.sourceVerificationMode`. With it, reads
 * the keys Secret (`*.sshpub` SSH keys, any other key an armored OpenPGP key ring), verifies the objects the
 * mode names (default `HEAD`), and sets SourceVerified=True (`Succeeded`, Flux's message) or fails the
 * reconcile with SourceVerified=False, so the artifact step does not run and the last artifact stays.
 */
export function verifyStep<C extends VerifyContext>(o: VerifyStepOptions): Step<C, Result> {
  const verify = o.verify ?? verifySignatures;
  return {
    name: 'verify',
    run: async (ctx) => {
      const { obj, status } = ctx;
      const spec = obj.spec.verify;
      if (!spec) {
        delete status.sourceVerificationMode;
        deleteCondition(ctx, ConditionTypes.SourceVerified);
        return;
      }
      // A failed verification is recomputed; a True one stays, it describes the artifact still in storage.
      if (getCondition(ctx, ConditionTypes.SourceVerified)?.status === 'False') {
        deleteCondition(ctx, ConditionTypes.SourceVerified);
      }
      const fail = (reason: string, message: string, stalled = false, cause?: unknown): ReconcileFailure =>
        new ReconcileFailure(reason, message, {
          stalled,
          cause,
          conditions: [{ type: ConditionTypes.SourceVerified, status: 'False' }],
        });
      const ns = obj.metadata.namespace ?? '';
      const data = await readSecretData(o.client, ns, spec.secretRef.name);
      if (!data) {
        throw fail(
          SourceReasons.VerificationError,
          `public keys secret error: secrets "${spec.secretRef.name}" not found`,
        );
      }
      const fetched = ctx.fetched!;
      // The CRD defaults the mode to HEAD; an object written without the default is read the same way.
      const mode: VerificationMode = spec.mode ?? 'HEAD';
      let verified: VerifiedObject[];
      try {
        verified = await verify({
          dir: path.join(ctx.work!, 'checkout'),
          commit: fetched.commit,
          ...(fetched.tag ? { tag: fetched.tag } : {}),
          mode,
          keys: verificationKeysFromSecret(data),
          signal: ctx.signal,
          timeoutMs: gitRepositoryTimeoutMs(obj.spec),
        });
      } catch (err) {
        const { reason, stalled } = verificationFailureReason(err);
        throw fail(reason, err instanceof Error ? err.message : String(err), stalled, err);
      }
      status.sourceVerificationMode = mode === 'head' ? 'HEAD' : mode;
      markTrue(ctx, ConditionTypes.SourceVerified, Reasons.Succeeded, verifiedMessage(verified));
    },
  };
}
