// The nats provider against a real nats-server: subject from spec.channel, user/password and NKey auth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, nkeys } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { makeEvent } from '../alerts/test-events.ts';
import { NotificationError, NotificationReasons } from './errors.ts';
import { providerAcceptsEvent, providerFactories } from './registry.ts';
import { startNatsServer } from './test-nats-server.ts';
import type { NatsServer } from './test-nats-server.ts';
import type { ProviderConfig } from './types.ts';

const PASSWORD = 'nats-SECRET-pass-1234';
const nkeyUser = nkeys.createUser();
const seed = new TextDecoder().decode(nkeyUser.getSeed());
let server: NatsServer;
let watcher: NatsConnection;

before(async () => {
  server = await startNatsServer(
    `authorization {\n  users = [\n    { user: "flux", password: "${PASSWORD}" }\n    { user: "watcher", password: "watch" }\n    { nkey: "${nkeyUser.getPublicKey()}" }\n  ]\n}\n`,
  );
  watcher = await connect({ servers: server.url, user: 'watcher', pass: 'watch' });
});
after(async () => {
  await watcher?.close();
  await server?.stop();
});

/** Collects the next message on `subject` while `fn` runs. */
async function received(subject: string, fn: () => Promise<void>): Promise<unknown> {
  const sub = watcher.subscribe(subject, { max: 1 });
  await watcher.flush();
  await fn();
  for await (const m of sub) return m.json();
  assert.fail('no message');
}

const cfg = (extra: Partial<ProviderConfig>): ProviderConfig => ({
  type: 'nats',
  address: server.url,
  channel: 'flux.events',
  ...extra,
});

void test('publishes the event as Flux JSON to the spec.channel subject with username/password', async () => {
  const event = makeEvent();
  const got = await received('flux.events', () =>
    providerFactories.nats(cfg({ username: 'flux', password: PASSWORD })).post(event),
  );
  assert.deepEqual(got, event);
});

void test('authenticates with the NKey seed of the Secret key "nkey"', async () => {
  const event = makeEvent({ severity: 'error', reason: 'BuildFailed', message: 'broken' });
  const got = await received('flux.events', () => providerFactories.nats(cfg({ nkeySeed: seed })).post(event));
  assert.deepEqual(got, event);
});

void test('a wrong password is a readable error that never shows the secrets', async () => {
  const sent: string[] = [];
  const failed: string[] = [];
  const notifier = providerFactories.nats(
    cfg({
      username: 'flux',
      password: 'wrong-SECRET-password',
      observer: { sent: (t) => void sent.push(t), failed: (_t, r) => void failed.push(r) },
    }),
  );
  await assert.rejects(notifier.post(makeEvent()), (err: unknown) => {
    assert.ok(err instanceof NotificationError);
    assert.match(err.message, /error connecting to server/);
    assert.ok(!err.message.includes('wrong-SECRET-password'));
    return true;
  });
  assert.deepEqual([sent, failed], [[], [NotificationReasons.Network]]);
});

void test('an empty address or subject is InvalidProviderConfig; commit-status updates are not sent', () => {
  for (const bad of [{ address: '' }, { channel: '' }]) {
    assert.throws(
      () => providerFactories.nats(cfg(bad)),
      (err: unknown) => err instanceof NotificationError && err.reason === NotificationReasons.InvalidConfig,
    );
  }
  const update = makeEvent({ metadata: { 'kustomize.toolkit.fluxcd.io/commit_status': 'update' } });
  assert.equal(providerAcceptsEvent('nats', update), false);
});
