import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeValues, mergeValues, setPathValue, ValuesReferenceError, type ResolvedReference } from './values.ts';

const ref = (r: Partial<ResolvedReference> & Pick<ResolvedReference, 'name'>): ResolvedReference => ({
  kind: 'ConfigMap',
  namespace: 'apps',
  objectMissing: false,
  data: undefined,
  ...r,
});

void test('valuesFrom entries merge in order, maps deeply, and spec.values is merged last', () => {
  const values = composeValues(
    [
      ref({ name: 'base', data: 'image:\n  repository: nginx\n  tag: "1.0"\nreplicas: 1\nlist: [a, b]\n' }),
      ref({ kind: 'Secret', name: 'secret', valuesKey: 'override.yaml', data: 'image:\n  tag: "2.0"\nlist: [c]\n' }),
    ],
    { replicas: 3, image: { pullPolicy: 'Always' } },
  );
  assert.deepEqual(values, {
    image: { repository: 'nginx', tag: '2.0', pullPolicy: 'Always' },
    replicas: 3,
    list: ['c'],
  });
});

void test('targetPath sets one value typed as helm --set does; a quoted value stays a string', () => {
  const values = composeValues(
    [
      ref({ name: 'a', targetPath: 'image.tag', data: '1.2.3' }),
      ref({ name: 'b', targetPath: 'replicas', data: '3' }),
      ref({ name: 'c', targetPath: 'enabled', data: 'true' }),
      ref({ name: 'd', targetPath: 'port', data: '"8080"' }),
      ref({ name: 'e', targetPath: 'hosts[1].name', data: 'two' }),
      ref({ name: 'f', targetPath: 'annotations.example\\.com/key', data: 'x' }),
    ],
    { image: { repository: 'nginx' } },
  );
  assert.deepEqual(values['image'], { repository: 'nginx', tag: '1.2.3' });
  assert.equal(values['replicas'], 3);
  assert.equal(values['enabled'], true);
  assert.equal(values['port'], '8080');
  assert.deepEqual((values['hosts'] as unknown[])[1], { name: 'two' });
  assert.deepEqual(values['annotations'], { 'example.com/key': 'x' });
});

void test('a missing reference fails with Flux wording; optional ones are skipped', () => {
  assert.throws(
    () => composeValues([ref({ name: 'gone', objectMissing: true })], {}),
    (err: unknown) =>
      err instanceof ValuesReferenceError &&
      err.reason === 'ValuesError' &&
      err.message ===
        "could not resolve ConfigMap chart values reference 'apps/gone' with key 'values.yaml': configmaps \"gone\" not found",
  );
  assert.throws(
    () => composeValues([ref({ kind: 'Secret', name: 's', valuesKey: 'other' })], {}),
    /could not resolve Secret chart values reference 'apps\/s' with key 'other': key not found/,
  );
  assert.deepEqual(composeValues([ref({ name: 'gone', objectMissing: true, optional: true })], { a: 1 }), { a: 1 });
});

void test('values that are not a YAML mapping are a ValuesError', () => {
  assert.throws(
    () => composeValues([ref({ name: 'bad', data: '- a list\n- not a map\n' })], {}),
    /could not resolve ConfigMap chart values reference 'apps\/bad' with key 'values.yaml': failed to read values data/,
  );
  assert.throws(() => composeValues([ref({ name: 'bad', data: 'a: [unclosed\n' })], {}), ValuesReferenceError);
});

void test('mergeValues replaces non-maps and never mutates its inputs', () => {
  const a = { x: { y: 1 }, z: [1] };
  const merged = mergeValues(a, { x: { w: 2 }, z: [2] });
  assert.deepEqual(merged, { x: { y: 1, w: 2 }, z: [2] });
  assert.deepEqual(a, { x: { y: 1 }, z: [1] });
  assert.deepEqual(setPathValue({}, 'a.b.c', 'null'), { a: { b: { c: null } } });
});

void test('valuesFrom literal: the data set verbatim at targetPath (helm --set-literal), never typed or split', () => {
  const config = '{"a": [1, 2]}, b=c \\ "quoted"';
  const values = composeValues(
    [
      ref({ name: 'a', targetPath: 'config\\.json', data: config, literal: true }),
      ref({ name: 'b', targetPath: 'replicas', data: '3', literal: true }),
      ref({ name: 'c', targetPath: 'port', data: '"8080"', literal: true }),
    ],
    undefined,
  );
  assert.deepEqual(values, { 'config.json': config, replicas: '3', port: '"8080"' });
});
