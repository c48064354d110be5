// The verify step of GitRepository (spec.verify): which keys it hands the check, and the SourceVerified
// condition, status.sourceVerificationMode and Ready reason it leaves — against a stand-in client and check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GitRepository, GitRepositoryStatus } from '../../api/git-repository.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { Condition } from '../../runtime/conditions.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import {
  InvalidSignatureError,
  NoTagToVerifyError,
  UnsignedTagError,
  VerificationRunError,
  type VerifySignaturesOptions,
  type VerifiedObject,
} from '../../sources/git/verify-signature.ts';
import { verificationFailureReason, verifyStep, type VerifyContext } from './verify-step.ts';

const SHA = 'a'.repeat(40);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function context(verify: GitRepository['spec']['verify'], conditions: Condition[] = []): VerifyContext {
  const obj: GitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'repo', namespace: 'apps', generation: 2 },
    spec: { url: 'https://git.example/repo.git', interval: '1m', ...(verify ? { verify } : {}) },
  };
  const status: GitRepositoryStatus = { conditions, sourceVerificationMode: 'Tag' };
  return {
    req: { namespace: 'apps', name: 'repo' },
    obj,
    metadata: obj.metadata,
    status,
    signal: new AbortController().signal,
    elapsedMs: () => 0,
    progress: () => Promise.resolve(),
    event: () => Promise.resolve(),
    work: '/tmp/work',
    fetched: {
      revision: `main@sha1:${SHA}`,
      commit: SHA,
      message: 'm',
      commitTime: new Date(0),
      ref: 'refs/heads/main',
    },
  };
}

/** A client whose only Secret is `apps/keys`. */
const client = {
  get: (ref: { namespace: string; name: string }) =>
    Promise.resolve(
      ref.namespace === 'apps' && ref.name === 'keys'
        ? { data: { 'alice.asc': b64('PGP-A'), 'bob.sshpub': b64('ssh-ed25519 AAAA bob'), legacy: b64('PGP-L') } }
        : undefined,
    ),
} as unknown as KubeClient;

const verified: VerifiedObject[] = [{ kind: 'commit', name: SHA, key: '5982D0279C227FFD' }];
const sourceVerified = (ctx: VerifyContext) => ctx.status.conditions?.find((c) => c.type === 'SourceVerified');

void test('without spec.verify: SourceVerified and sourceVerificationMode are removed, nothing is checked', async () => {
  const ctx = context(undefined, [
    { type: 'SourceVerified', status: 'True', reason: 'Succeeded', message: 'x', lastTransitionTime: '' },
  ]);
  await verifyStep({ client, verify: () => assert.fail('no check without spec.verify') }).run(ctx);
  assert.equal(sourceVerified(ctx), undefined);
  assert.equal(ctx.status.sourceVerificationMode, undefined);
});

void test("a verified commit: SourceVerified=True, reason Succeeded, Flux's message; head is recorded as HEAD", async () => {
  let seen: VerifySignaturesOptions | undefined;
  const ctx = context({ mode: 'head', secretRef: { name: 'keys' } });
  await verifyStep({
    client,
    verify: (o) => {
      seen = o;
      return Promise.resolve(verified);
    },
  }).run(ctx);
  assert.deepEqual(seen?.keys, { pgp: ['PGP-A', 'PGP-L'], ssh: ['ssh-ed25519 AAAA bob'] });
  assert.equal(seen?.commit, SHA);
  assert.equal(seen?.dir, '/tmp/work/checkout');
  assert.equal(seen?.mode, 'head');
  assert.deepEqual(
    { ...sourceVerified(ctx), lastTransitionTime: '' },
    {
      type: 'SourceVerified',
      status: 'True',
      reason: 'Succeeded',
      message: `verified signature of\n\t- commit '${SHA}' with key '5982D0279C227FFD'`,
      observedGeneration: 2,
      lastTransitionTime: '',
    },
  );
  assert.equal(ctx.status.sourceVerificationMode, 'HEAD');
});

/** Runs the step with a check that throws `err`; returns the failure and the context. */
async function failing(err: Error | undefined, secret = 'keys') {
  const ctx = context({ mode: 'TagAndHEAD', secretRef: { name: secret } }, [
    { type: 'SourceVerified', status: 'True', reason: 'Succeeded', message: 'old', lastTransitionTime: '' },
  ]);
  const step = verifyStep({ client, verify: () => (err ? Promise.reject(err) : Promise.resolve(verified)) });
  const failure = await Promise.resolve(step.run(ctx)).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(failure instanceof ReconcileFailure);
  // The skeleton sets these conditions with the failure's reason and message, beside Ready=False.
  assert.deepEqual(failure.opts.conditions, [{ type: 'SourceVerified', status: 'False' }]);
  return { failure, ctx };
}

void test('a bad signature fails with InvalidCommitSignature or InvalidTagSignature and keeps no new mode', async () => {
  const msg = `signature verification of commit '${SHA}' failed: unsupported signature type: empty`;
  const commit = await failing(new InvalidSignatureError('commit', msg));
  assert.equal(commit.failure.reason, 'InvalidCommitSignature');
  assert.equal(commit.failure.message, msg);
  assert.equal(commit.failure.stalled, false);
  // The mode of the last verified artifact stays; the artifact step never runs after a failure.
  assert.equal(commit.ctx.status.sourceVerificationMode, 'Tag');
  const tag = await failing(new InvalidSignatureError('tag', 'signature verification of tag x failed'));
  assert.equal(tag.failure.reason, 'InvalidTagSignature');
});

void test('a missing Secret is VerificationError naming it, as source-controller words it', async () => {
  const { failure } = await failing(undefined, 'nope');
  assert.equal(failure.reason, 'VerificationError');
  assert.equal(failure.message, 'public keys secret error: secrets "nope" not found');
});

void test("reasons: no tag to verify stalls (spec error); an unsigned tag, a run error don't", () => {
  assert.deepEqual(verificationFailureReason(new NoTagToVerifyError('x')), {
    reason: 'InvalidVerificationMode',
    stalled: true,
  });
  assert.deepEqual(verificationFailureReason(new UnsignedTagError('x')), {
    reason: 'InvalidGitObject',
    stalled: false,
  });
  assert.deepEqual(verificationFailureReason(new VerificationRunError('x')), {
    reason: 'VerificationError',
    stalled: false,
  });
});
