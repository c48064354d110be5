import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuthorization, credentialsFromDockerConfig, parseAuthChallenge } from './auth.ts';
import { nextLink } from './http-response.ts';

void test('parses a Bearer challenge with quoted values holding commas', () => {
  assert.deepEqual(
    parseAuthChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:org/app:pull,push"',
    ),
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:org/app:pull,push',
      },
    },
  );
  assert.deepEqual(parseAuthChallenge('Basic realm="Registry Realm"'), {
    scheme: 'basic',
    params: { realm: 'Registry Realm' },
  });
  assert.deepEqual(parseAuthChallenge('Bearer realm=https://a/t, error="insufficient_scope"'), {
    scheme: 'bearer',
    params: { realm: 'https://a/t', error: 'insufficient_scope' },
  });
  assert.deepEqual(parseAuthChallenge('Bearer realm="a\\"b"'), { scheme: 'bearer', params: { realm: 'a"b' } });
  assert.equal(parseAuthChallenge(''), undefined);
  assert.equal(parseAuthChallenge(null), undefined);
});

void test('only the first of several challenges is read', () => {
  assert.deepEqual(parseAuthChallenge('Bearer realm="https://a/t",service="s", Basic realm="x"'), {
    scheme: 'bearer',
    params: { realm: 'https://a/t', service: 's' },
  });
});

void test('dockerconfigjson credentials: username/password or auth, matched by host', () => {
  const doc = JSON.stringify({
    auths: {
      'https://127.0.0.1:5000/v1/': { username: 'u1', password: 'p:1' },
      'ghcr.io': { auth: Buffer.from('u2:p:2').toString('base64') },
      'https://index.docker.io/v1/': { username: 'hub', password: 'h' },
    },
  });
  assert.deepEqual(credentialsFromDockerConfig(doc, '127.0.0.1:5000'), { username: 'u1', password: 'p:1' });
  assert.deepEqual(credentialsFromDockerConfig(doc, 'ghcr.io'), { username: 'u2', password: 'p:2' });
  assert.deepEqual(credentialsFromDockerConfig(doc, 'index.docker.io'), { username: 'hub', password: 'h' });
  assert.equal(credentialsFromDockerConfig(doc, 'quay.io'), undefined);
  assert.equal(credentialsFromDockerConfig('{}', 'quay.io'), undefined);
});

void test('a broken dockerconfigjson fails without echoing its content', () => {
  assert.throws(
    () => credentialsFromDockerConfig('{"auths": secret-value', 'x'),
    (err: Error) => /not valid JSON/.test(err.message) && !err.message.includes('secret-value'),
  );
  const bad = JSON.stringify({ auths: { 'r.io': { auth: Buffer.from('no-colon-secret').toString('base64') } } });
  assert.throws(
    () => credentialsFromDockerConfig(bad, 'r.io'),
    (err: Error) => /not base64 of 'user:password'/.test(err.message) && !err.message.includes('no-colon-secret'),
  );
});

void test('basic authorization header', () => {
  assert.equal(basicAuthorization({ username: 'a', password: 'b' }), `Basic ${Buffer.from('a:b').toString('base64')}`);
});

void test('tag list pagination follows Link rel="next", resolved against the current URL', () => {
  const current = 'http://r:5000/v2/app/tags/list?n=2';
  assert.equal(
    nextLink('</v2/app/tags/list?n=2&last=b>; rel="next"', current),
    'http://r:5000/v2/app/tags/list?n=2&last=b',
  );
  assert.equal(nextLink('<https://other/x>; rel="prev", </v2/next>; rel=next', current), 'http://r:5000/v2/next');
  assert.equal(nextLink('</v2/x>; rel="prev"', current), undefined);
  assert.equal(nextLink(null, current), undefined);
});
