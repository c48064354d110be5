// spec.decryption (provider sops, secretRef with .agekey and .asc keys): Secrets and secretGenerator sources encrypted
// by the real sops CLI are applied decrypted; a tampered file fails the build (BuildFailed, as kustomize-controller)
// naming it, nothing is pruned and the last good state stays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSopsTestKit, provisionedSops } from '../../src/render/sops-test-keys.ts';
import type { SopsTestKit } from '../../src/render/sops-test-keys.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

const bins = provisionedSops();
const skip = bins ? false : 'sops, age-keygen or gpg missing (run scripts/provision.sh sops debs)';
const ns = 'sops';
let env: TestEnv;
let kit: SopsTestKit;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secretYaml = (name: string, value: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: Opaque\nstringData:\n  password: ${value}\n`;
const onlyData = ['--encrypted-regex', '^(data|stringData)$'];
const secretRef = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name });
const secretValue = async (name: string, key: string) => {
  const s = await env.get<{
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    data?: Record<string, string>;
  }>(secretRef(name));
  return s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key], 'base64').toString('utf8');
};
const plaintexts = ['age-plain-1', 'pgp-plain-1', 'env-plain-1', 'age-plain-2'];

before(async () => {
  if (!bins) return;
  kit = await makeSopsTestKit(bins);
  env = await startTestEnv();
  await env.namespace(ns);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sops-keys', namespace: ns },
    data: { 'identity.agekey': b64(kit.age.identity), 'ops.asc': b64(kit.pgp.armoredPrivateKey) },
  });
  await env.createRepo('sops', {
    'kustomization.yaml': [
      'resources: [db.yaml, api.yaml]',
      'generatorOptions: {disableNameSuffixHash: true}',
      'secretGenerator:',
      `  - {name: app, namespace: ${ns}, envs: [app.env]}`,
      '',
    ].join('\n'),
    'db.yaml': await kit.encrypt('db.yaml', secretYaml('db', 'age-plain-1'), 'age', onlyData),
    'api.yaml': await kit.encrypt('api.yaml', secretYaml('api', 'pgp-plain-1'), 'pgp', onlyData),
    'app.env': await kit.encrypt('app.env', 'TOKEN=env-plain-1\n', 'age'),
  });
  await env.apply(gitRepository(ns, 'sops', env.git.repoUrl('sops')));
  await env.apply(
    kustomization(ns, 'sops', 'sops', { decryption: { provider: 'sops', secretRef: { name: 'sops-keys' } } }),
  );
});
after(async () => {
  await env?.stop();
  await kit?.cleanup();
});

/** Fails when a plaintext shows in the Kustomization's status or in any event of the namespace. */
async function assertNoPlaintextOutside(): Promise<void> {
  const ks = await env.get(ksRef(ns, 'sops'));
  const events = await env.client.list('v1', 'Event', { namespace: ns });
  const visible = JSON.stringify(ks?.status ?? {}) + JSON.stringify(events.items);
  for (const p of plaintexts) assert.ok(!visible.includes(p), `${p} shows in status or events`);
}

test(
  'Secrets encrypted for age and OpenPGP and a dotenv generator source are applied decrypted',
  { skip },
  async () => {
    await env.waitForReady(ksRef(ns, 'sops'), { reason: 'ReconciliationSucceeded' }, 90_000);
    assert.equal(await secretValue('db', 'password'), 'age-plain-1');
    assert.equal(await secretValue('api', 'password'), 'pgp-plain-1');
    assert.equal(await secretValue('app', 'TOKEN'), 'env-plain-1');
    await assertNoPlaintextOutside();
  },
);

test(
  'a tampered Secret fails the build naming it; nothing is pruned and the last good state stays',
  { skip },
  async () => {
    await env.waitForReady(ksRef(ns, 'sops'), { reason: 'ReconciliationSucceeded' }, 90_000);
    const enc = await kit.encrypt('db.yaml', secretYaml('db', 'age-plain-2'), 'age', onlyData);
    const tampered = enc.replace(
      /(password: ENC\[AES256_GCM,data:)(.)/,
      (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
    );
    assert.notEqual(tampered, enc);
    // api.yaml leaves the repository too: were the build to go on, the api Secret would be pruned.
    await env.commit('sops', {
      'db.yaml': tampered,
      'api.yaml': null,
      'kustomization.yaml': [
        'resources: [db.yaml]',
        'generatorOptions: {disableNameSuffixHash: true}',
        'secretGenerator:',
        `  - {name: app, namespace: ${ns}, envs: [app.env]}`,
        '',
      ].join('\n'),
    });
    await env.client.patch(gitRepoRef(ns, 'sops'), {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'tampered' } },
    });
    const ks = await env.waitForReady(ksRef(ns, 'sops'), { status: 'False', reason: 'BuildFailed' }, 90_000);
    const message = ks.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    assert.match(message, /failed to decrypt Secret\/sops\/db: a value does not decrypt/);
    assert.ok(!message.includes('AGE-SECRET-KEY'));
    assert.equal(await secretValue('db', 'password'), 'age-plain-1', 'the last good value stays');
    assert.equal(await secretValue('api', 'password'), 'pgp-plain-1', 'nothing was pruned');
    await assertNoPlaintextOutside();
  },
);
