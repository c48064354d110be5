import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from './errors.ts';
import { objectId, objectRef, parseManifests, serializeManifests } from './manifests.ts';
import { MAX_YAML_DEPTH } from './yaml-documents.ts';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  replicas: 2
`;

void test('parses multi-document streams and skips empty documents', () => {
  const text = `---\n${deployment}---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n---\n`;
  const objects = parseManifests(text, { source: 'apps.yaml' });
  assert.deepEqual(
    objects.map((o) => objectRef(o)),
    ['Deployment/apps/web', 'Namespace/apps'],
  );
  assert.equal(objectId(objects[0]!), 'apps_web_apps_Deployment');
  assert.equal(objectId(objects[1]!), '_apps__Namespace');
});

void test('reads leading-zero integers as octal like Go YAML decoders, and tolerates BOM and CRLF', () => {
  const text = '\uFEFFapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\nmode: 0644\r\nflag: yes\r\n';
  const [obj] = parseManifests(text);
  assert.equal(obj?.['mode'], 420);
  assert.equal(obj?.['flag'], 'yes');
});

void test('documents without apiVersion, kind or metadata.name fail naming the file and document', () => {
  const bad: [string, RegExp][] = [
    ['kind: ConfigMap\nmetadata:\n  name: a\n', /app\.yaml: document 2: has no apiVersion/],
    ['apiVersion: v1\nmetadata:\n  name: a\n', /app\.yaml: document 2: has no kind/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x\n', /document 2: ConfigMap has no metadata\.name/],
    ['apiVersion: v1\nkind: ConfigMap\n', /document 2: ConfigMap has no metadata/],
    ['- just\n- a list\n', /document 2: is not a mapping/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    n: 1\n', /labels\.n is not a string/],
  ];
  for (const [doc, message] of bad) {
    assert.throws(() => parseManifests(`${deployment}---\n${doc}`, { source: 'app.yaml' }), message);
    assert.throws(() => parseManifests(`${deployment}---\n${doc}`, { source: 'app.yaml' }), ManifestError);
  }
});

void test('duplicate ids are refused, naming both documents', () => {
  const dup = `${deployment}---\n${deployment.replace('replicas: 2', 'replicas: 3')}`;
  assert.throws(
    () => parseManifests(dup, { source: 'out.yaml' }),
    /out\.yaml: document 2: may not add resource with an already registered id "apps_web_apps_Deployment": Deployment\/apps\/web is defined in both document 1 and document 2/,
  );
  // Same name in another namespace or of another kind is fine.
  const ok = `${deployment}---\n${deployment.replace('namespace: apps', 'namespace: other')}`;
  assert.equal(parseManifests(ok).length, 2);
});

void test('List kinds are expanded and their items validated', () => {
  const list = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
`;
  assert.deepEqual(
    parseManifests(list).map((o) => o.metadata.name),
    ['a', 'b'],
  );
  assert.throws(
    () => parseManifests(`${list}- kind: Secret\n`, { source: 'l.yaml' }),
    /document 1 item 3: has no apiVersion/,
  );
});

void test('alias bombs are refused', () => {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: lol}',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ];
  const names = 'bcdefghi';
  for (let i = 0; i < names.length; i++) {
    const prev = i === 0 ? 'a' : names[i - 1];
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  assert.throws(
    () => parseManifests(lines.join('\n'), { source: 'bomb.yaml' }),
    /bomb\.yaml: document 1: too many YAML alias expansions/,
  );
  // A few aliases are fine.
  const small = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nbase: &b {k: v}\ncopy: *b\n';
  assert.deepEqual(parseManifests(small)[0]?.['copy'], { k: 'v' });
});

void test('deep nesting is refused before the recursive composer runs, and the process keeps working', () => {
  const shapes = [
    '['.repeat(10_000) + ']'.repeat(10_000),
    '- '.repeat(10_000) + 'x',
    '{"a": '.repeat(5_000) + '1' + '}'.repeat(5_000),
    Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1',
  ];
  for (const shape of shapes) {
    assert.throws(
      () => parseManifests(shape, { source: 'deep.yaml' }),
      /deep\.yaml: document 1: nesting deeper than 400 levels/,
    );
  }
  assert.throws(() => parseManifests('[[[[1]]]]', { maxDepth: 3 }), /nesting deeper than 3 levels/);
  // Nesting at the ceiling still composes; a normal parse afterwards proves the parser state is intact.
  const atCeiling = '['.repeat(MAX_YAML_DEPTH - 1) + ']'.repeat(MAX_YAML_DEPTH - 1);
  assert.equal(parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\nx: ${atCeiling}\n`).length, 1);
  assert.equal(parseManifests(deployment).length, 1);
});

void test('binary and mis-encoded input is refused without echoing it', () => {
  assert.throws(() => parseManifests(`${deployment}\0`, { source: 'bin.yaml' }), /bin\.yaml: contains NUL bytes/);
  const latin1 = Buffer.concat([Buffer.from(deployment), Buffer.from([0x63, 0x3a, 0x20, 0xe9, 0x0a])]);
  assert.throws(() => parseManifests(latin1, { source: 'latin1.yaml' }), /latin1\.yaml: is not valid UTF-8 text/);
  assert.throws(() => parseManifests(`${deployment}x: "\uD800"\n`), /not valid UTF-8/);
  assert.throws(() => parseManifests(deployment, { maxBytes: 10 }), /larger than the 10-byte limit/);
  assert.equal(parseManifests(Buffer.from(deployment)).length, 1);
});

void test('syntax errors give a position but not the offending text', () => {
  const secretish = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: "hunter2\n\tbad: [\n';
  assert.throws(
    () => parseManifests(secretish, { source: 'secret.yaml' }),
    (err: unknown) =>
      err instanceof ManifestError &&
      /^secret\.yaml: document 1: .+ at line \d+, column \d+$/.test(err.message) &&
      !err.message.includes('hunter2'),
  );
  assert.throws(
    () => parseManifests('a: 1\na: 2\n', { source: 'dup.yaml' }),
    /dup\.yaml: document 1: Map keys must be unique at line 2/,
  );
});

void test('serializeManifests orders fields, quotes ambiguous strings and round-trips', () => {
  const obj = {
    spec: { enabled: 'yes', mode: '0644', list: ['on', 1, true] },
    metadata: { labels: { app: 'web' }, namespace: 'apps', name: 'web' },
    kind: 'ConfigMap',
    apiVersion: 'v1',
  };
  const yaml = serializeManifests([obj, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }]);
  assert.equal(
    yaml,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: apps\n  labels:\n    app: web\n' +
      'spec:\n  enabled: "yes"\n  mode: "0644"\n  list:\n    - "on"\n    - 1\n    - true\n' +
      '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n',
  );
  assert.deepEqual(parseManifests(yaml)[0], obj);
  assert.equal(serializeManifests([]), '');
});
