// Receiver CEL filters with the expressions of Flux's Receiver documentation (the GAR examples).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  receiverFilters,
  ReceiverFilterError,
  validateReceiverFilters,
  type FilterSubject,
} from './resource-filter.ts';
import { resolveResources, type ResourceTarget } from './resolve-resources.ts';
import type { ReceiverRequest } from './types.ts';

const garBody = {
  action: 'INSERT',
  digest: 'us-east1-docker.pkg.dev/my-project/my-repo/hello-world@sha256:6ec128e26cd5',
  tag: 'us-east1-docker.pkg.dev/my-project/my-repo/hello-world:1.1',
};
const request = (body: unknown, contentType = 'application/json'): ReceiverRequest => ({
  headers: new Headers({ 'content-type': contentType }),
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const imageRepo = (name: string, labels: Record<string, string> = {}, annotations?: Record<string, string>) =>
  ({
    apiVersion: 'image.toolkit.fluxcd.io/v1',
    kind: 'ImageRepository',
    metadata: { name, namespace: 'apps', labels, ...(annotations ? { annotations } : {}) },
  }) satisfies FilterSubject;
const entry = {
  apiVersion: 'image.toolkit.fluxcd.io/v1',
  kind: 'ImageRepository',
  name: '*',
  matchLabels: { registry: 'gar' },
};

void test('resourceFilter: req.tag.contains(res.metadata.name)', () => {
  const f = receiverFilters(
    { resourceFilter: 'req.tag.contains(res.metadata.name)', resources: [entry] },
    request(garBody),
  );
  assert.ok(f);
  assert.equal(f.accepts(0, imageRepo('hello-world')), true);
  assert.equal(f.accepts(0, imageRepo('other')), false);
});

void test('resourceFilter: the documented split/last/first expression over an annotation', () => {
  const resourceFilter =
    "has(res.metadata.annotations) && req.tag.split('/').last().value().split(\":\").first().value() == res.metadata.annotations['update-image']";
  const f = receiverFilters({ resourceFilter, resources: [entry] }, request(garBody))!;
  assert.equal(f.accepts(0, imageRepo('a', {}, { 'update-image': 'hello-world' })), true);
  assert.equal(f.accepts(0, imageRepo('b', {}, { 'update-image': 'bye-world' })), false);
  assert.equal(f.accepts(0, imageRepo('c')), false);
});

void test('per-resource filter stacks with resourceFilter; resources without one take only the top filter', () => {
  const f = receiverFilters(
    {
      resourceFilter: 'req.tag.contains(res.metadata.name)',
      resources: [{ ...entry, filter: "res.metadata.labels['environment'] == 'production'" }, { ...entry }],
    },
    request(garBody),
  )!;
  assert.equal(f.accepts(0, imageRepo('hello-world', { environment: 'production' })), true);
  assert.equal(f.accepts(0, imageRepo('hello-world', { environment: 'staging' })), false);
  assert.equal(f.accepts(1, imageRepo('hello-world', { environment: 'staging' })), true);
});

void test('no filters: undefined; a body that is not JSON is `{}`; bad JSON and bad CEL are refused', () => {
  assert.equal(receiverFilters({ resources: [entry] }, request(garBody)), undefined);
  const f = receiverFilters({ resourceFilter: 'size(req) == 0', resources: [entry] }, request('tag=x', 'text/plain'))!;
  assert.equal(f.accepts(0, imageRepo('x')), true);
  assert.throws(
    () => receiverFilters({ resourceFilter: 'true', resources: [entry] }, request('{nope')),
    (e: unknown) => e instanceof ReceiverFilterError && e.reason === 'InvalidRequestBody',
  );
  for (const spec of [
    { resourceFilter: 'req.tag.contains(', resources: [entry] },
    { resourceFilter: 'claims.sub == "x"', resources: [entry] },
    { resources: [{ ...entry, filter: 'res.metadata.name ==' }] },
  ]) {
    assert.throws(
      () => validateReceiverFilters(spec),
      (e: unknown) => e instanceof ReceiverFilterError && e.reason === 'InvalidCELExpression',
    );
  }
  assert.throws(
    () => validateReceiverFilters({ resources: [{ ...entry, filter: '(' }] }),
    /spec\.resources\[0\]\.filter/,
  );
});

void test('resolveResources keeps only the objects the filters accept; a failing filter is an error, not a crash', async () => {
  const objects = new Map<string, FilterSubject>([
    ['hello-world', imageRepo('hello-world', { registry: 'gar', environment: 'production' })],
    ['other', imageRepo('other', { registry: 'gar', environment: 'production' })],
  ]);
  const spec = {
    resourceFilter: 'req.tag.contains(res.metadata.name)',
    resources: [
      { ...entry, filter: "res.metadata.labels['environment'] == 'production'" },
      { kind: 'ImageRepository', name: 'hello', filter: 'res.metadata.labels.missing == "x"' },
    ],
  };
  const { targets, errors } = await resolveResources({
    resources: spec.resources,
    namespace: 'apps',
    listNames: async () => [...objects.keys()],
    filters: receiverFilters(spec, request(garBody)),
    getSubject: async (t: ResourceTarget) => (t.name === 'hello' ? imageRepo('hello') : objects.get(t.name)),
  });
  assert.deepEqual(
    targets.map((t) => t.name),
    ['hello-world'],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /ImageRepository\/apps\/hello: filter failed/);
});
