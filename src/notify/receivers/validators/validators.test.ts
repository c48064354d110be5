import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../../../runtime/fake-clock.ts';
import type { ReceiverCredentials, ReceiverRequest, ReceiverSpec, ReceiverType, ValidationResult } from '../types.ts';
import { createGcrValidator } from './gcr.ts';
import { createValidatorRegistry, validatorFactories } from './registry.ts';
import {
  createTestGoogleKeys,
  hmacHex,
  invalidFixtures,
  json,
  pubsubClaims,
  TOKEN,
  validFixtures,
  type Fixture,
} from './test-fixtures.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const clock = new FakeClock();
clock.advance(NOW);
const google = createTestGoogleKeys();
const registry = createValidatorRegistry({ clock, gcrJwks: async () => google.jwks });
const valid = validFixtures(google, NOW);
const invalid = invalidFixtures(google, NOW);

function request(f: Fixture): ReceiverRequest {
  return { headers: new Headers(f.headers), body: f.body };
}

function creds(type: string, f: Fixture, spec: Partial<ReceiverSpec> = {}): ReceiverCredentials {
  return {
    spec: { type, resources: [], ...(f.events ? { events: f.events } : {}), ...spec },
    token: TOKEN,
    ...(f.secret ? { secret: f.secret } : {}),
  };
}

async function run(type: string, f: Fixture, spec: Partial<ReceiverSpec> = {}): Promise<ValidationResult> {
  const v = registry.get(type);
  assert.ok(v, `no validator for ${type}`);
  return await v.validate(request(f), creds(type, f, spec));
}

// The shared contract every registered validator runs.
for (const type of Object.keys(validatorFactories) as ReceiverType[]) {
  describe(`validator contract: ${type}`, () => {
    test('accepts the request its sender would send', async () => {
      const r = await run(type, valid[type]);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.ok && r.ignored, undefined);
    });
    for (const [why, f] of invalid[type] ?? []) {
      test(`refuses with 400: ${why}`, async () => {
        const r = await run(type, f);
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.status, 400);
        assert.ok(!r.ok && r.reason.length > 10, 'a readable reason');
      });
    }
  });
}

test('every type except generic refuses something (all authenticate or parse)', () => {
  for (const type of Object.keys(validatorFactories))
    if (type !== 'generic') assert.ok(invalid[type as ReceiverType]?.length, type);
});

test('reasons name the header and never echo the token', async () => {
  const r = await run('gitlab', { ...valid.gitlab, headers: { 'X-Gitlab-Token': 'guess' } });
  assert.ok(!r.ok && r.reason.includes('X-Gitlab-Token') && !r.reason.includes(TOKEN));
  const missing = await run('github', {
    ...valid.github,
    headers: { 'X-GitHub-Event': 'push', 'Content-Type': 'application/json' },
  });
  assert.ok(!missing.ok && missing.reason.includes('missing X-Hub-Signature-256'));
});

describe('github', () => {
  test('falls back to the legacy X-Hub-Signature (sha1) only when the sha256 header is absent', async () => {
    const legacy = {
      ...valid.github,
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-Hub-Signature': `sha1=${hmacHex('sha1', TOKEN, valid.github.body)}`,
      },
    };
    assert.equal((await run('github', legacy)).ok, true);
    const both = { ...legacy, headers: { ...legacy.headers, 'X-Hub-Signature-256': 'sha256=' + '0'.repeat(64) } };
    assert.equal((await run('github', both)).ok, false, 'a bad sha256 header is not rescued by a good sha1 one');
  });

  test('event filter is case-insensitive; a filtered event is authentic but ignored', async () => {
    assert.deepEqual(await run('github', valid.github, { events: ['PUSH'] }), {
      ok: true,
      summary: 'GitHub event "push"',
    });
    const r = await run('github', valid.github, { events: ['release'] });
    assert.equal(r.ok, true);
    assert.match((r.ok && r.ignored) || '', /"push" is not in spec.events/);
  });

  test('ping is accepted without action even when filtered out', async () => {
    const ping = { ...valid.github, headers: { ...valid.github.headers, 'X-GitHub-Event': 'ping' } };
    assert.deepEqual(await run('github', ping, { events: ['push'] }), { ok: true, ignored: 'GitHub ping' });
  });

  test('a filter without the event header is a 400; a bad signature wins over filtering', async () => {
    const noEvent = { ...valid.github, headers: { ...valid.github.headers } };
    delete noEvent.headers['X-GitHub-Event'];
    const r = await run('github', noEvent, { events: ['push'] });
    assert.ok(!r.ok && r.status === 400 && r.reason.includes('X-GitHub-Event'));
    const bad = { ...valid.github, body: json({ other: true }) };
    assert.equal((await run('github', bad, { events: ['release'] })).ok, false);
  });

  test('form-encoded deliveries are accepted (signature over the raw body)', async () => {
    const body = Buffer.from(`payload=${encodeURIComponent('{"ref":"refs/heads/main"}')}`);
    const f = {
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-GitHub-Event': 'push',
        'X-Hub-Signature-256': `sha256=${hmacHex('sha256', TOKEN, body)}`,
      },
      body,
    };
    assert.equal((await run('github', f)).ok, true);
  });

  test('an empty token is refused instead of accepting unsigned calls', async () => {
    const r = await registry
      .get('github')!
      .validate(request(valid.github), { spec: { type: 'github', resources: [] }, token: '' });
    assert.ok(!r.ok && r.reason.includes('empty "token"'));
  });
});

test('gitlab and bitbucket filter on their event headers', async () => {
  const g = await run('gitlab', valid.gitlab, { events: ['Tag Push Hook'] });
  assert.ok(g.ok && g.ignored);
  assert.ok((await run('gitlab', valid.gitlab, { events: ['push hook'] })).ok);
  const b = await run('bitbucket', valid.bitbucket, { events: ['pr:opened'] });
  assert.ok(b.ok && b.ignored);
  const ping = await run(
    'bitbucket',
    { ...valid.bitbucket, headers: { ...valid.bitbucket.headers, 'X-Event-Key': 'diagnostics:ping' } },
    { events: ['repo:refs_changed'] },
  );
  assert.deepEqual(ping, { ok: true, ignored: 'Bitbucket ping' });
});

test('generic-hmac accepts sha1, sha256 and sha512', async () => {
  for (const alg of ['sha1', 'sha256', 'sha512'] as const) {
    const f = {
      headers: { 'X-Signature': `${alg}=${hmacHex(alg, TOKEN, valid['generic-hmac'].body)}` },
      body: valid['generic-hmac'].body,
    };
    assert.equal((await run('generic-hmac', f)).ok, true, alg);
  }
});

describe('gcr', () => {
  test('without a JWKS the validator fails closed and says why', async () => {
    const r = await createGcrValidator({ clock }).validate(request(valid.gcr), creds('gcr', valid.gcr));
    assert.ok(!r.ok && r.status === 400 && r.reason.includes('no Google signing keys'));
  });

  test('a token signed by another key is refused', async () => {
    const other = createTestGoogleKeys('test-kid');
    const f = {
      ...valid.gcr,
      headers: { ...valid.gcr.headers, Authorization: `Bearer ${other.sign(pubsubClaims(NOW))}` },
    };
    const r = await run('gcr', f);
    assert.ok(!r.ok && r.reason.includes('signature is invalid'));
  });

  test('unknown key id, wrong algorithm, unverified email and missing Secret fields are refused', async () => {
    const unknownKid = createTestGoogleKeys('other-kid');
    for (const [auth, secret, want] of [
      [`Bearer ${unknownKid.sign(pubsubClaims(NOW))}`, valid.gcr.secret, 'unknown key id'],
      [`Bearer ${google.sign(pubsubClaims(NOW), { alg: 'none' })}`, valid.gcr.secret, 'algorithm'],
      [`Bearer ${google.sign(pubsubClaims(NOW, { email_verified: false }))}`, valid.gcr.secret, 'not verified'],
      [valid.gcr.headers['Authorization']!, { token: TOKEN, audience: 'x' }, '"email"'],
      [valid.gcr.headers['Authorization']!, { token: TOKEN, email: 'x' }, '"audience"'],
    ] as const) {
      const f = {
        ...valid.gcr,
        headers: { ...valid.gcr.headers, Authorization: auth },
        secret: { ...secret } as Record<string, string>,
      };
      const r = await run('gcr', f);
      assert.ok(!r.ok && r.reason.includes(want), `${want}: ${JSON.stringify(r)}`);
    }
  });

  test('a JWKS that cannot be loaded is our failure: 500 so Pub/Sub retries', async () => {
    const v = createGcrValidator({ clock, jwks: async () => Promise.reject(new Error('offline')) });
    const r = await v.validate(request(valid.gcr), creds('gcr', valid.gcr));
    assert.ok(!r.ok && r.status === 500 && r.reason.includes('offline'));
  });
});
