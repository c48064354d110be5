// Kustomization spec.ignore: fields under ignored JSON pointers are neither reverted by the drift watch nor by
// a forced or new-revision apply, while everything else still is; a bad pointer fails the reconcile by name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'drift-ignore';
const cm = (name: string, managed: string, labels = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${labels}` +
  `data:\n  managed: ${managed}\n  ignored: from-git\n`;
const files = (managed: string) => ({
  'app/tuned.yaml': cm('tuned', managed, '  labels:\n    tuning: external\n'),
  'app/untargeted.yaml': cm('untargeted', managed),
  'other/cm.yaml': cm('other', managed),
});
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const dataOf = async (name: string): Promise<Record<string, string>> =>
  ((await env.get(cmRef(name))) as unknown as { data?: Record<string, string> } | undefined)?.data ?? {};
const resourceVersionOf = async (name: string): Promise<string | undefined> =>
  (await env.get(cmRef(name)))?.metadata.resourceVersion;
const edit = (name: string, data: Record<string, string>, fieldManager: string) =>
  env.client.patch(cmRef(name), { data }, { fieldManager });
const rules = [
  { paths: ['/data/ignored'], target: { kind: 'Config.*', name: 'tuned', labelSelector: 'tuning=external' } },
  { paths: ['/data/ignored'], target: { kind: 'Secret' } },
];

/** Asks for a reconcile and waits until the Kustomization has handled it. */
async function forceReconcile(name: string, token: string): Promise<void> {
  await env.client.patch(ksRef(ns, name), { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  await env.waitFor(`the reconcile ${token} to be handled`, async () => {
    const ks = await env.get(ksRef(ns, name));
    return ks?.status?.['lastHandledReconcileAt'] === token;
  });
}

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('ignore', files('v1'));
  await env.apply(gitRepository(ns, 'ignore', env.git.repoUrl('ignore')));
  await env.apply(kustomization(ns, 'app', 'ignore', { path: './app', interval: '1h', ignore: rules }));
  await env.waitForReady(ksRef(ns, 'app'));
});
after(() => env?.stop());

test('created objects get the ignored fields too (the rules only apply to objects that exist)', async () => {
  assert.deepEqual(await dataOf('tuned'), { managed: 'v1', ignored: 'from-git' });
});

test('an edit of an ignored field stays through the drift watch; the same edit off-target is reverted', async () => {
  await edit('tuned', { ignored: 'set-by-autoscaler' }, 'autoscaler');
  const edited = await resourceVersionOf('tuned');
  // The untargeted object's edit comes later, so the reconcile that reverts it has seen both edits.
  await edit('untargeted', { ignored: 'set-by-autoscaler' }, 'autoscaler');
  await env.waitFor('the off-target edit to be reverted by the watch', async () => {
    return (await dataOf('untargeted')).ignored === 'from-git';
  });
  assert.equal((await dataOf('tuned')).ignored, 'set-by-autoscaler');
  assert.equal(await resourceVersionOf('tuned'), edited, 'the ignored-only drift was not re-applied');
});

test('kubectl edits: the non-ignored field is reverted, the ignored one keeps the edited value', async () => {
  await edit('tuned', { managed: 'edited-by-hand', ignored: 'edited-by-hand' }, 'kubectl-edit');
  await env.waitFor('the managed field to be reverted', async () => (await dataOf('tuned')).managed === 'v1');
  assert.equal((await dataOf('tuned')).ignored, 'edited-by-hand');
});

test('a forced reconcile and a new revision keep the ignored field and apply the rest', async () => {
  await forceReconcile('app', 'forced-1');
  assert.deepEqual(await dataOf('tuned'), { managed: 'v1', ignored: 'edited-by-hand' });
  const sha = await env.commit('ignore', files('v2'), 'v2');
  await env.client.patch(gitRepoRef(ns, 'ignore'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'v2' } },
  });
  await env.waitFor('revision v2 to be applied', async () => {
    const ks = await env.get(ksRef(ns, 'app'));
    return String(ks?.status?.['lastAppliedRevision']).endsWith(sha);
  });
  assert.deepEqual(await dataOf('tuned'), { managed: 'v2', ignored: 'edited-by-hand' });
  assert.deepEqual(await dataOf('untargeted'), { managed: 'v2', ignored: 'from-git' });
});

test('an invalid JSON pointer fails the reconcile naming it; fixing it recovers', async () => {
  await env.apply(
    kustomization(ns, 'bad-pointer', 'ignore', {
      path: './other',
      interval: '1h',
      ignore: [{ paths: ['/data/managed', 'data/ignored'] }],
    }),
  );
  const ks = await env.waitForReady(ksRef(ns, 'bad-pointer'), {
    status: 'False',
    reason: 'ReconciliationFailed',
    messageIncludes: 'spec.ignore[0].paths[1] "data/ignored" is not a JSON pointer',
  });
  assert.equal(ks.status?.['lastAppliedRevision'], undefined, 'nothing was applied');
  assert.equal(await env.get(cmRef('other')), undefined);
  await env.client.patch(ksRef(ns, 'bad-pointer'), { spec: { ignore: [{ paths: ['/data/ignored'] }] } });
  await env.waitForReady(ksRef(ns, 'bad-pointer'));
  assert.deepEqual(await dataOf('other'), { managed: 'v2', ignored: 'from-git' });
});
