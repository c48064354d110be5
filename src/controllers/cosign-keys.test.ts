import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconcileFailure } from '../runtime/reconcile/failure.ts';
import { cosignKeySecretName, KeylessNotSupportedMessage } from './cosign-keys.ts';

void test('cosign with a secretRef names the keys Secret; the provider defaults to cosign', () => {
  assert.equal(cosignKeySecretName({ provider: 'cosign', secretRef: { name: 'keys' } }), 'keys');
  assert.equal(cosignKeySecretName({ secretRef: { name: 'keys' } }), 'keys');
});

void test('keyless cosign (no secretRef) and any other provider are NotSupported, stalled, naming the field', () => {
  for (const spec of [
    { provider: 'cosign' },
    { provider: 'cosign', secretRef: { name: '' } },
    { provider: 'notation', secretRef: { name: 'k' } },
  ]) {
    assert.throws(
      () => cosignKeySecretName(spec),
      (err: unknown) =>
        err instanceof ReconcileFailure &&
        err.reason === 'NotSupported' &&
        err.stalled &&
        err.message === KeylessNotSupportedMessage,
      JSON.stringify(spec),
    );
  }
  assert.match(KeylessNotSupportedMessage, /spec\.verify\.secretRef/);
});
