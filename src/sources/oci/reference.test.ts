import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OciNotFoundError, OciUrlError } from './errors.ts';
import {
  chooseRef,
  isLoopbackRegistry,
  parseOciArtifactUrl,
  parseOciUrl,
  pickTagBySemver,
  plainHttpAllowed,
} from './reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

void test('spec.url: oci://host[:port]/path parses into registry and repository', () => {
  assert.deepEqual(parseOciUrl('oci://ghcr.io/org/app'), { registry: 'ghcr.io', repository: 'org/app' });
  assert.deepEqual(parseOciUrl('oci://127.0.0.1:5000/a/b/c/'), { registry: '127.0.0.1:5000', repository: 'a/b/c' });
  assert.deepEqual(parseOciUrl('oci://localhost/app'), { registry: 'localhost', repository: 'app' });
  // Docker Hub names, as Flux's registry library resolves them.
  assert.deepEqual(parseOciUrl('oci://org/app'), { registry: 'index.docker.io', repository: 'org/app' });
  assert.deepEqual(parseOciUrl('oci://app'), { registry: 'index.docker.io', repository: 'library/app' });
});

void test('spec.url: a tag, a digest, another scheme or an invalid name is refused with the fix', () => {
  assert.throws(() => parseOciUrl('oci://ghcr.io/org/app:v1'), /URL must not contain a tag; remove ':v1'/);
  assert.throws(() => parseOciUrl(`oci://ghcr.io/org/app@${digest}`), /must not contain a digest/);
  assert.throws(() => parseOciUrl('https://ghcr.io/org/app'), OciUrlError);
  assert.throws(() => parseOciUrl('oci://ghcr.io/Org/App'), /not a valid name/);
  assert.throws(() => parseOciUrl('oci://ghcr.io/org//app'), /not a valid name/);
});

void test('plain HTTP is allowed (after HTTPS) for insecure, loopback and private registries only', () => {
  assert.equal(isLoopbackRegistry('localhost:5000'), true);
  assert.equal(isLoopbackRegistry('127.0.0.1:5000'), true);
  assert.equal(isLoopbackRegistry('[::1]:5000'), true);
  assert.equal(isLoopbackRegistry('ghcr.io'), false);
  assert.equal(plainHttpAllowed('ghcr.io', false), false);
  assert.equal(plainHttpAllowed('192.0.2.2:5000', false), false);
  assert.equal(plainHttpAllowed('registry.lan:5000', true), true);
  assert.equal(plainHttpAllowed('127.0.0.1:5000', false), true);
  assert.equal(plainHttpAllowed('10.1.2.3:5000', false), true);
  assert.equal(plainHttpAllowed('172.20.0.1', false), true);
  assert.equal(plainHttpAllowed('172.32.0.1', false), false);
  assert.equal(plainHttpAllowed('192.168.1.1:443', false), true);
});

void test("spec.ref: digest wins over semver, semver over tag, and no ref means 'latest'", () => {
  assert.deepEqual(chooseRef({ digest, semver: '1.x', tag: 'v1' }), { kind: 'digest', digest });
  assert.deepEqual(chooseRef({ semver: '1.x', semverFilter: '-rc', tag: 'v1' }), {
    kind: 'semver',
    range: '1.x',
    filter: '-rc',
  });
  assert.deepEqual(chooseRef({ tag: 'v1' }), { kind: 'tag', tag: 'v1' });
  assert.deepEqual(chooseRef(undefined), { kind: 'tag', tag: 'latest' });
  assert.deepEqual(chooseRef({}), { kind: 'tag', tag: 'latest' });
  assert.throws(() => chooseRef({ digest: 'sha256:abc' }), /spec.ref.digest is not in the form/);
  assert.throws(() => chooseRef({ tag: 'bad tag' }), /spec.ref.tag is not a valid OCI tag/);
});

void test('spec.ref.semver picks the highest version, keeping the original tag; semverFilter narrows first', () => {
  const tags = ['latest', 'v1.0.0', '1.2', 'v1.10.0-rc.1', '1.9.0', 'v2.0.0', 'main-abc'];
  assert.equal(pickTagBySemver(tags, '1.x'), '1.9.0');
  assert.equal(pickTagBySemver(tags, '>=1.0.0'), 'v2.0.0');
  // A lenient tag like `1.2` counts as 1.2.0, as in Flux.
  assert.equal(pickTagBySemver(tags, '~1.2'), '1.2');
  assert.equal(pickTagBySemver(tags, '>=1.10.0-0 <2.0.0'), 'v1.10.0-rc.1');
  // Go regexp syntax, matched anywhere in the tag.
  assert.equal(pickTagBySemver(tags, '>=1.10.0-0', '-rc'), 'v1.10.0-rc.1');
  assert.equal(pickTagBySemver(tags, '>=1.10.0-0'), 'v2.0.0');
  assert.equal(pickTagBySemver(tags, '*', '^v'), 'v2.0.0');
  assert.throws(() => pickTagBySemver(tags, '>=3'), OciNotFoundError);
  assert.throws(() => pickTagBySemver(tags, '>=3'), /no match found for semver: >=3/);
  assert.throws(
    () => pickTagBySemver(tags, '*', '(?=x)'),
    /semverFilter '\(\?=x\)' is not a valid Go regular expression/,
  );
});

void test('artifact URLs for push carry the tag after the last path part; latest by default', () => {
  assert.deepEqual(parseOciArtifactUrl('oci://127.0.0.1:5000/org/app:v1.2.3'), {
    registry: '127.0.0.1:5000',
    repository: 'org/app',
    tag: 'v1.2.3',
  });
  assert.deepEqual(parseOciArtifactUrl('oci://127.0.0.1:5000/org/app'), {
    registry: '127.0.0.1:5000',
    repository: 'org/app',
    tag: 'latest',
  });
  assert.throws(() => parseOciArtifactUrl('oci://r.io/app:bad tag'), /not a valid OCI tag/);
});
