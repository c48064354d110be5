import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { abortableSleep } from './sleep.ts';

test('a finished sleep leaves no abort listener behind; an abort ends it early', async () => {
  const ac = new AbortController();
  for (let i = 0; i < 20; i++) await abortableSleep(1, ac.signal);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  const long = abortableSleep(60_000, ac.signal);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
  ac.abort();
  await long;
  await abortableSleep(60_000, ac.signal);
});
