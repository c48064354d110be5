// GitRepository spec.verify through the whole loop: a gpg-signed commit is verified and applied, an
// unsigned commit on top is refused (the last verified artifact and applied state stay), and an
// ssh-keygen-signed commit after it is verified with the SSH key of the same Secret.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newPgpSigner, newSshSigner, pushCommit, type TestSigner } from '../support/signed-commits.ts';
import {
  GIT_PASSWORD,
  GIT_USER,
  gitRepoRef,
  gitRepository,
  ksRef,
  kustomization,
  startTestEnv,
  type TestEnv,
} from '../support/env.ts';

let env: TestEnv;
let pgp: Awaited<ReturnType<typeof newPgpSigner>>;
let ssh: TestSigner;
const ns = 'verify';
const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: verified\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;
const push = (value: string, signer?: TestSigner) =>
  pushCommit({
    repoUrl: env.git.repoUrl('signed'),
    username: GIT_USER,
    password: GIT_PASSWORD,
    tmp: env.tmp,
    files: { 'cm.yaml': cm(value) },
    message: value,
    ...(signer ? { signer } : {}),
  });
type Status = {
  artifact?: { revision?: string };
  sourceVerificationMode?: string;
  lastAppliedRevision?: string;
};
const statusOf = (obj: { status?: unknown } | undefined): Status => (obj?.status ?? {}) as Status;
type Condition = { type: string; status: string; reason: string; message: string };
const sourceVerified = (obj: { status?: { conditions?: Condition[] } } | undefined): Condition | undefined =>
  obj?.status?.conditions?.find((c) => c.type === 'SourceVerified');
const configValue = async (): Promise<string | undefined> => {
  const obj = await env.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'verified' });
  return (obj?.['data'] as { value?: string } | undefined)?.value;
};

before(async () => {
  env = await startTestEnv();
  [pgp, ssh] = await Promise.all([newPgpSigner(env.tmp, 'e2e-pgp'), newSshSigner(env.tmp, 'e2e-ssh')]);
  await env.namespace(ns);
  await env.createRepo('signed', { 'cm.yaml': cm('unsigned-initial') });
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'verify-keys', namespace: ns },
    stringData: { 'author.asc': pgp.publicKey, 'author.sshpub': ssh.publicKey },
  });
});
after(async () => {
  await pgp?.stop();
  await env?.stop();
});

test('signed commit verified and applied; an unsigned one on top is refused and the last artifact stays', async () => {
  const signed = await push('gpg-signed', pgp);
  await env.apply(
    gitRepository(ns, 'signed', env.git.repoUrl('signed'), {
      interval: '2s',
      verify: { mode: 'HEAD', secretRef: { name: 'verify-keys' } },
    }),
  );
  await env.apply(kustomization(ns, 'signed', 'signed', { interval: '2s' }));
  const repo = await env.waitForReady(gitRepoRef(ns, 'signed'));
  const goodRevision = `main@sha1:${signed}`;
  assert.equal(statusOf(repo).artifact?.revision, goodRevision);
  assert.equal(statusOf(repo).sourceVerificationMode, 'HEAD');
  assert.deepEqual(
    { ...sourceVerified(repo), lastTransitionTime: undefined, observedGeneration: undefined },
    {
      type: 'SourceVerified',
      status: 'True',
      reason: 'Succeeded',
      message: `verified signature of\n\t- commit '${signed}' with key '${pgp.keyId}'`,
      lastTransitionTime: undefined,
      observedGeneration: undefined,
    },
  );
  await env.waitForReady(ksRef(ns, 'signed'), { messageIncludes: goodRevision });
  assert.equal(await configValue(), 'gpg-signed');

  const unsigned = await push('unsigned-on-top');
  const refused = await env.waitForReady(gitRepoRef(ns, 'signed'), {
    status: 'False',
    reason: 'InvalidCommitSignature',
  });
  const expected = `signature verification of commit '${unsigned}' failed: unsupported signature type: empty`;
  assert.equal(refused.status?.conditions?.find((c) => c.type === 'Ready')?.message, expected);
  assert.equal(sourceVerified(refused)?.status, 'False');
  assert.equal(sourceVerified(refused)?.reason, 'InvalidCommitSignature');
  assert.equal(statusOf(refused).artifact?.revision, goodRevision);
  // The Kustomization keeps applying the last verified artifact.
  const ks = await env.waitForReady(ksRef(ns, 'signed'));
  assert.equal(statusOf(ks).lastAppliedRevision, goodRevision);
  assert.equal(await configValue(), 'gpg-signed');
});

test('an ssh-keygen-signed commit after the unsigned one is verified with the .sshpub key and applied', async () => {
  const signed = await push('ssh-signed', ssh);
  const repo = await env.waitFor('the SSH-signed commit to be the artifact', async () => {
    const obj = await env.get(gitRepoRef(ns, 'signed'));
    return statusOf(obj).artifact?.revision === `main@sha1:${signed}` ? obj : undefined;
  });
  assert.equal(sourceVerified(repo)?.message, `verified signature of\n\t- commit '${signed}' with key '${ssh.keyId}'`);
  await env.waitFor('the SSH-signed commit to be applied', async () => (await configValue()) === 'ssh-signed');
});
