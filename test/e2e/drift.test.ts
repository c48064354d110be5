// Drift correction: manual edits are reverted by the interval reconcile and, beyond Flux, at once by watches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

let env: TestEnv;
const ns = 'drift';
const cm = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: from-git\n`;
const cmRef = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const valueOf = async (name: string): Promise<string | undefined> =>
  ((await env.get(cmRef(name))) as unknown as { data?: { value?: string } } | undefined)?.data?.value;

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('drift', { 'watched/cm.yaml': cm('watched'), 'polled/cm.yaml': cm('polled') });
  await env.apply(gitRepository(ns, 'drift', env.git.repoUrl('drift')));
  await env.apply(kustomization(ns, 'watched', 'drift', { path: './watched', interval: '1h' }));
  await env.waitForReady(ksRef(ns, 'watched'));
});
after(() => env?.stop());

test('an edit by someone else is reverted within seconds through the watch (interval is 1h)', async () => {
  await env.client.patch(cmRef('watched'), { data: { value: 'edited-by-hand' } }, { fieldManager: 'kubectl-edit' });
  await env.waitFor('the edit to be reverted', async () => (await valueOf('watched')) === 'from-git', 30_000);
  await env.waitFor('a DriftCorrected event', async () => {
    const events = await env.client.list('v1', 'Event', { namespace: ns });
    return events.items.some(
      (e) =>
        (e as { reason?: string; message?: string }).reason === 'DriftCorrected' &&
        // The kind comes from the watch (metadata-only objects call themselves PartialObjectMetadata).
        String((e as { message?: string }).message).includes(`ConfigMap/${ns}/watched modified by 'kubectl-edit'`),
    );
  });
  const metrics = await (await fetch(`${env.engine!.manager.metricsUrl}/metrics`)).text();
  assert.match(metrics, /driftless_drift_detected_total\{exported_namespace="drift",name="watched"\} [1-9]/);
});

test('a deleted object is recreated through the watch', async () => {
  await env.client.delete(cmRef('watched'));
  await env.waitFor('the object to come back', async () => (await valueOf('watched')) === 'from-git', 30_000);
});

test('with watches off, the interval reconcile reverts drift', async () => {
  await env.engine!.stop();
  env.engine = await env.startEngine({ driftWatch: false });
  await env.apply(kustomization(ns, 'polled', 'drift', { path: './polled', interval: '5s' }));
  await env.waitForReady(ksRef(ns, 'polled'));
  await env.client.patch(cmRef('polled'), { data: { value: 'edited' } }, { fieldManager: 'kubectl-edit' });
  await env.waitFor(
    'the periodic reconcile to revert the edit',
    async () => (await valueOf('polled')) === 'from-git',
    30_000,
  );
  const metrics = await (await fetch(`${env.engine.manager.metricsUrl}/metrics`)).text();
  assert.doesNotMatch(metrics, /driftless_drift_detected_total\{[^}]*name="polled"/, 'no watch saw it');
});
