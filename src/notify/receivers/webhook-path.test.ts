import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebhookPath, webhookPath } from './webhook-path.ts';

test('webhookPath is /hook/ + sha256(token + name + namespace), as Flux computes it', () => {
  // Expected values computed with `printf '%s' 'tokenreceiverns' | sha256sum`.
  assert.equal(
    webhookPath('token', 'receiver', 'ns'),
    '/hook/a02c9330a19f5118e5ba023b53aa867c3da7ae58feb6cc42b684a7065f146387',
  );
  assert.equal(
    webhookPath('fixture-token-9f8e7d', 'webapp', 'flux-system'),
    '/hook/6f77d3362e04403ed92239e9e0beafd0e026b433e0099f31147c024e2929c42a',
  );
});

test('webhookPath changes with each input', () => {
  const base = webhookPath('t', 'n', 'ns');
  assert.notEqual(webhookPath('t2', 'n', 'ns'), base);
  assert.notEqual(webhookPath('t', 'n2', 'ns'), base);
  assert.notEqual(webhookPath('t', 'n', 'ns2'), base);
});

test('isWebhookPath accepts only /hook/ + 64 lowercase hex digits', () => {
  assert.ok(isWebhookPath(webhookPath('a', 'b', 'c')));
  assert.ok(!isWebhookPath('/hook/abc'));
  assert.ok(!isWebhookPath(`/hook/${'A'.repeat(64)}`));
  assert.ok(!isWebhookPath(`/hook/${'a'.repeat(64)}/x`));
  assert.ok(!isWebhookPath(`/hooks/${'a'.repeat(64)}`));
});
