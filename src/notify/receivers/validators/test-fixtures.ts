// Requests as each sender would send them, for the validator contract test and the server tests.
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { ReceiverType } from '../types.ts';
import type { JsonWebKeySet } from './gcr.ts';

/** The receiver Secret's token in every fixture. */
export const TOKEN = 'fixture-token-9f8e7d';

/** One webhook call plus the Secret data it is valid against. */
export interface Fixture {
  headers: Record<string, string>;
  body: Buffer;
  secret?: Record<string, string>;
  events?: string[];
}

/** Hex HMAC of `body` keyed with `key`. */
export function hmacHex(algorithm: 'sha1' | 'sha256' | 'sha512', key: string, body: Buffer | string): string {
  return createHmac(algorithm, key).update(body).digest('hex');
}

/** A throwaway RSA key published as a JWKS, and a signer for Pub/Sub-style ID tokens. */
export function createTestGoogleKeys(kid = 'test-kid'): {
  jwks: JsonWebKeySet;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    sign(claims, header = { alg: 'RS256', kid, typ: 'JWT' }) {
      const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
      return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
    },
  };
}

function b64u(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** Claims Google puts in a Pub/Sub push token, valid at `nowMs`. */
export function pubsubClaims(nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return {
    aud: 'https://hooks.example.com/hook',
    azp: '1234567890',
    email: 'pusher@project.iam.gserviceaccount.com',
    email_verified: true,
    exp: now + 3600,
    iat: now,
    iss: 'https://accounts.google.com',
    sub: '1234567890',
    ...overrides,
  };
}

/** A Pub/Sub push body wrapping a GCR notification. */
export function pubsubBody(
  inner: unknown = { action: 'INSERT', digest: 'gcr.io/p/app@sha256:abc', tag: 'gcr.io/p/app:v1' },
): Buffer {
  return json({
    message: {
      data: Buffer.from(JSON.stringify(inner)).toString('base64'),
      messageId: '1',
      publishTime: '2026-01-01T00:00:00Z',
    },
    subscription: 'projects/p/subscriptions/flux',
  });
}

/** JSON-encodes a value into a body buffer. */
export function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

/** One authentic request per receiver type; `sign` signs the gcr token (see {@link createTestGoogleKeys}). */
export function validFixtures(
  gcr: { sign(claims: Record<string, unknown>): string },
  nowMs: number,
): Record<ReceiverType, Fixture> {
  const githubBody = json({ ref: 'refs/heads/main', after: 'abc123' });
  const bitbucketBody = json({ eventKey: 'repo:refs_changed', changes: [] });
  const nexusBody = json({
    timestamp: '2026-01-01T00:00:00.000+0000',
    nodeId: 'n1',
    initiator: 'admin',
    repositoryName: 'docker-hosted',
    action: 'CREATED',
  });
  const genericBody = json({ hello: 'world' });
  return {
    generic: { headers: {}, body: Buffer.alloc(0) },
    'generic-hmac': {
      headers: { 'X-Signature': `sha256=${hmacHex('sha256', TOKEN, genericBody)}` },
      body: genericBody,
    },
    github: {
      headers: {
        'Content-Type': 'application/json',
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': 'd-1',
        'X-Hub-Signature-256': `sha256=${hmacHex('sha256', TOKEN, githubBody)}`,
      },
      body: githubBody,
    },
    gitlab: {
      headers: { 'Content-Type': 'application/json', 'X-Gitlab-Token': TOKEN, 'X-Gitlab-Event': 'Push Hook' },
      body: json({ object_kind: 'push' }),
    },
    bitbucket: {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Event-Key': 'repo:refs_changed',
        'X-Hub-Signature': `sha256=${hmacHex('sha256', TOKEN, bitbucketBody)}`,
      },
      body: bitbucketBody,
    },
    harbor: {
      headers: { Authorization: TOKEN, 'Content-Type': 'application/json' },
      body: json({ type: 'PUSH_ARTIFACT', event_data: { repository: { repo_full_name: 'lib/app' } } }),
    },
    dockerhub: {
      headers: { 'Content-Type': 'application/json' },
      body: json({
        callback_url: 'https://registry.hub.docker.com/u/o/r/hook/x/',
        push_data: { pushed_at: 1, pusher: 'me', tag: 'latest' },
        repository: { repo_name: 'o/r', repo_url: 'https://hub.docker.com/r/o/r' },
      }),
    },
    quay: {
      headers: { 'Content-Type': 'application/json' },
      body: json({
        name: 'repository',
        repository: 'o/r',
        namespace: 'o',
        docker_url: 'quay.io/o/r',
        homepage: 'https://quay.io/repository/o/r',
        updated_tags: ['latest'],
      }),
    },
    nexus: {
      headers: {
        'Content-Type': 'application/json',
        'X-Nexus-Webhook-Id': 'rm:repository:component',
        'X-Nexus-Webhook-Signature': hmacHex('sha1', TOKEN, nexusBody),
      },
      body: nexusBody,
    },
    acr: {
      headers: { 'Content-Type': 'application/json' },
      body: json({
        id: 'e1',
        timestamp: '2026-01-01T00:00:00Z',
        action: 'push',
        target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', repository: 'app', tag: 'v1' },
        request: { host: 'r.azurecr.io' },
      }),
    },
    gcr: {
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${gcr.sign(pubsubClaims(nowMs))}` },
      body: pubsubBody(),
      secret: {
        token: TOKEN,
        email: 'pusher@project.iam.gserviceaccount.com',
        audience: 'https://hooks.example.com/hook',
      },
    },
  };
}

/** For each type that authenticates or parses, requests that must be refused with 400, and why. */
export function invalidFixtures(
  gcr: { sign(claims: Record<string, unknown>): string },
  nowMs: number,
): Partial<Record<ReceiverType, [string, Fixture][]>> {
  const v = validFixtures(gcr, nowMs);
  const without = (f: Fixture, header: string): Fixture => ({
    ...f,
    headers: Object.fromEntries(Object.entries(f.headers).filter(([k]) => k !== header)),
  });
  const withHeader = (f: Fixture, header: string, value: string): Fixture => ({
    ...f,
    headers: { ...f.headers, [header]: value },
  });
  const flip = (hex: string) => (hex.startsWith('0') ? '1' : '0') + hex.slice(1);
  return {
    'generic-hmac': [
      ['missing X-Signature', without(v['generic-hmac'], 'X-Signature')],
      [
        'wrong HMAC',
        withHeader(
          v['generic-hmac'],
          'X-Signature',
          `sha256=${flip(hmacHex('sha256', TOKEN, v['generic-hmac'].body))}`,
        ),
      ],
      ['unknown algorithm', withHeader(v['generic-hmac'], 'X-Signature', `md5=${'0'.repeat(32)}`)],
      ['not hex', withHeader(v['generic-hmac'], 'X-Signature', `sha256=${'z'.repeat(64)}`)],
    ],
    github: [
      ['missing signature', without(v.github, 'X-Hub-Signature-256')],
      [
        'signature of another key',
        withHeader(v.github, 'X-Hub-Signature-256', `sha256=${hmacHex('sha256', 'other', v.github.body)}`),
      ],
      [
        'sha1 in the sha256 header',
        withHeader(v.github, 'X-Hub-Signature-256', `sha1=${hmacHex('sha1', TOKEN, v.github.body)}`),
      ],
      ['tampered body', { ...v.github, body: json({ ref: 'refs/heads/evil' }) }],
      ['unsupported content type', withHeader(v.github, 'Content-Type', 'text/plain')],
    ],
    gitlab: [
      ['missing token', without(v.gitlab, 'X-Gitlab-Token')],
      ['wrong token', withHeader(v.gitlab, 'X-Gitlab-Token', `${TOKEN}x`)],
    ],
    bitbucket: [
      ['missing signature', without(v.bitbucket, 'X-Hub-Signature')],
      [
        'wrong signature',
        withHeader(v.bitbucket, 'X-Hub-Signature', `sha256=${hmacHex('sha256', 'other', v.bitbucket.body)}`),
      ],
    ],
    harbor: [
      ['missing Authorization', without(v.harbor, 'Authorization')],
      ['wrong Authorization', withHeader(v.harbor, 'Authorization', 'Bearer nope')],
    ],
    dockerhub: [
      ['malformed JSON', { ...v.dockerhub, body: Buffer.from('{"push_data": ') }],
      ['null tag', { ...v.dockerhub, body: json({ push_data: { tag: null }, repository: { repo_name: 'o/r' } }) }],
      ['missing repository', { ...v.dockerhub, body: json({ push_data: { tag: 'latest' } }) }],
    ],
    quay: [
      ['null docker_url', { ...v.quay, body: json({ docker_url: null }) }],
      ['tags of wrong type', { ...v.quay, body: json({ docker_url: 'quay.io/o/r', updated_tags: [1, 2] }) }],
    ],
    nexus: [
      ['missing signature', without(v.nexus, 'X-Nexus-Webhook-Signature')],
      ['wrong signature', withHeader(v.nexus, 'X-Nexus-Webhook-Signature', hmacHex('sha1', 'other', v.nexus.body))],
      [
        'signed but not JSON',
        (() => {
          const body = Buffer.from('nope');
          return {
            ...v.nexus,
            body,
            headers: { ...v.nexus.headers, 'X-Nexus-Webhook-Signature': hmacHex('sha1', TOKEN, body) },
          };
        })(),
      ],
    ],
    acr: [
      ['array body', { ...v.acr, body: json([]) }],
      ['target.repository null', { ...v.acr, body: json({ action: 'push', target: { repository: null } }) }],
    ],
    gcr: [
      ['missing Authorization', without(v.gcr, 'Authorization')],
      [
        'wrong audience',
        withHeader(v.gcr, 'Authorization', `Bearer ${gcr.sign(pubsubClaims(nowMs, { aud: 'https://elsewhere' }))}`),
      ],
      [
        'wrong email',
        withHeader(
          v.gcr,
          'Authorization',
          `Bearer ${gcr.sign(pubsubClaims(nowMs, { email: 'evil@x.iam.gserviceaccount.com' }))}`,
        ),
      ],
      ['expired', withHeader(v.gcr, 'Authorization', `Bearer ${gcr.sign(pubsubClaims(nowMs - 3 * 3600_000))}`)],
      ['not a JWT', withHeader(v.gcr, 'Authorization', 'Bearer abc')],
      ['bad inner payload', { ...v.gcr, body: pubsubBody({ action: null }) }],
    ],
  };
}
