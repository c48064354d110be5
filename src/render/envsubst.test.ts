import { test } from 'node:test';
import assert from 'node:assert/strict';
import { substituteObjects, substituteVariables } from './envsubst.ts';
import { SubstitutionError, ManifestError } from './errors.ts';
import type { KubeObject } from './types.ts';

const cases: [string, Record<string, string>, string, string][] = [
  ['plain text', {}, 'abcdEFGH28ij', 'abcdEFGH28ij'],
  ['value', { var01: 'abc' }, 'x ${var01} y', 'x abc y'],
  ['length', { var01: 'abcdEFGH28ij' }, '${#var01}', '12'],
  ['uppercase first', { var01: 'abcdEFGH28ij' }, '${var01^}', 'AbcdEFGH28ij'],
  ['uppercase all', { var01: 'abcdEFGH28ij' }, '${var01^^}', 'ABCDEFGH28IJ'],
  ['lowercase first', { var01: 'ABCDEFGH28IJ' }, '${var01,}', 'aBCDEFGH28IJ'],
  ['lowercase all', { var01: 'ABCDEFGH28IJ' }, '${var01,,}', 'abcdefgh28ij'],
  ['substring offset', { p: '/home/bozo/ideas/thoughts.for.today' }, '${p:11}', 'ideas/thoughts.for.today'],
  ['substring offset+length', { p: '/home/bozo/ideas/thoughts.for.today' }, '${p:11:5}', 'ideas'],
  ['substring past end', { p: 'abc' }, '${p:5}', ''],
  ['substring negative length', { p: 'abcdef' }, '${p:1:-1}', 'bcde'],
  ['substring nested offset', { p: 'abcdef', o: '2' }, '${p:${o}:2}', 'cd'],
  ['substring unparsable offset keeps value', { p: 'abcdef' }, '${p: -2}', 'abcdef'],
  ['shortest prefix glob', { f: 'bash.string.txt' }, '${f#*.}', 'string.txt'],
  ['longest prefix glob', { f: 'bash.string.txt' }, '${f##*.}', 'txt'],
  ['star matches slash', { f: '/path/to/file' }, '${f##*/}', 'file'],
  ['shortest prefix with slash', { f: 'path/to/file' }, '${f#*/}', 'to/file'],
  ['shortest suffix glob', { f: 'bash.string.txt' }, '${f%.*}', 'bash.string'],
  ['longest suffix glob', { f: 'bash.string.txt' }, '${f%%.*}', 'bash'],
  ['class and ? glob', { f: 'v1.2.3-rc1' }, '${f%-[a-z]?[0-9]}', 'v1.2.3'],
  ['non-matching glob keeps value', { f: 'abc' }, '${f#x*}', 'abc'],
  ['default colon-dash unset', {}, '${v:-fallback}', 'fallback'],
  ['default colon-dash empty', { v: '' }, '${v:-fallback}', 'fallback'],
  ['default colon-dash set', { v: 'set' }, '${v:-fallback}', 'set'],
  ['default dash unset', {}, '${v-fallback}', 'fallback'],
  ['default equals unset', {}, '${v=xyz}', 'xyz'],
  ['default equals set', { v: 'abc' }, '${v=xyz}', 'abc'],
  ['default colon-equals', {}, '${v:=xyz}', 'xyz'],
  ['nested default', { d: 'foo' }, 'something ${v=${d}}', 'something foo'],
  ['default with text around nested', { d: 'foo1' }, 'foo: ${v=prefix${d}-suffix}', 'foo: prefixfoo1-suffix'],
  ['nested transformation in default', { v1: 'abcdEFGH28ij' }, '${v=${v1^^}}', 'ABCDEFGH28IJ'],
  ['replace first', { s: 'abcABC123ABCabc' }, '${s/abc/xyz}', 'xyzABC123ABCabc'],
  ['replace all', { s: 'abcABC123ABCabc' }, '${s//abc/xyz}', 'xyzABC123ABCxyz'],
  ['replace prefix', { s: 'abcABC123ABCabc' }, '${s/#abc/XYZ}', 'XYZABC123ABCabc'],
  ['replace suffix', { s: 'abcABC123ABCabc' }, '${s/%abc/XYZ}', 'abcABC123ABCXYZ'],
  ['prepend with empty pattern', { s: 'somevalue' }, '${s/#/prefix-}', 'prefix-somevalue'],
  ['append with empty pattern', { s: 'somevalue' }, '${s/%/-suffix}', 'somevalue-suffix'],
  ['replace pattern is literal', { s: 'a*b' }, '${s/*/-}', 'a-b'],
  ['escaped slash in pattern', { s: 'foo/bar/baz' }, '${s//\\//-}', 'foo-bar-baz'],
  ['replace with blank', { s: 'foo.bar' }, '${s/./}', 'foobar'],
  ['replacement with dollar signs is literal', { s: 'a.b' }, '${s/./$&}', 'a$&b'],
  ['$var untouched', { var01: 'x' }, '$var01 and $HOME', '$var01 and $HOME'],
  ['escaped', { var01: 'abc' }, '$${var01}', '${var01}'],
  [
    'mixed escapes',
    { var01: 'abcdEFGH28ij' },
    'some text ${var01}$${var$${var01}$var01${var01}',
    'some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij',
  ],
  ['escaped default keeps inner expansion', { d: 'foo' }, 'something $${var=${d}}', 'something ${var=foo}'],
  ['backslashes outside expressions kept', { d: 'foo' }, '\\\\something ${v=${d}}', '\\\\something foo'],
  ['lone dollar kept', {}, 'cost: 5$ and $', 'cost: 5$ and $'],
];

for (const [name, vars, input, output] of cases) {
  void test(`substituteVariables: ${name}`, () => {
    assert.equal(substituteVariables(input, vars), output);
  });
}

void test('strict mode names the undefined variable, also behind transformations', () => {
  for (const expr of [
    '${missing}',
    '${#missing}',
    '${missing^^}',
    '${missing:0:1}',
    '${missing/a/b}',
    '${missing%%x}',
  ]) {
    assert.throws(
      () => substituteVariables(`a: ${expr}`, { other: 'x' }),
      (err: unknown) => err instanceof SubstitutionError && err.variable === 'missing' && /"missing"/.test(err.message),
      expr,
    );
  }
  assert.equal(substituteVariables('${present}', { present: '' }), '');
});

void test('non-strict mode turns undefined variables into empty strings', () => {
  assert.equal(substituteVariables('a${missing}b ${#missing}', {}, { strict: false }), 'ab 0');
});

void test('defaults are only evaluated when used', () => {
  assert.equal(substituteVariables('${a:-${undefinedVar}}', { a: 'set' }), 'set');
  assert.throws(() => substituteVariables('${a:-${undefinedVar}}', {}), SubstitutionError);
});

void test('malformed expressions and bad variable names are SubstitutionErrors', () => {
  for (const bad of ['${unterminated', '${}', '${a:-x', '${a+x}', '${a?x}', '${a b}']) {
    assert.throws(() => substituteVariables(bad, { a: 'v' }), SubstitutionError, bad);
  }
  assert.throws(() => substituteVariables('x', { '1bad': 'v' }), /var name is invalid/);
  assert.throws(() => substituteVariables('x', { 'with-dash': 'v' }), /var name is invalid/);
  assert.throws(() => substituteVariables('${a:-'.repeat(10_000), {}), /nested deeper/);
});

const configMap = (
  name: string,
  data: Record<string, unknown>,
  meta: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'apps', ...meta },
  data,
});

void test('substituteObjects expands values and re-parses scalars like Flux (yaml.v2 rules)', () => {
  const deploy: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web-${ENV}', namespace: 'apps' },
    spec: { replicas: '${REPLICAS}', paused: '${PAUSED}', mode: '${MODE}', image: 'nginx:${TAG:=1.27}' },
  };
  const [out] = substituteObjects([deploy], { ENV: 'prod', REPLICAS: '3', PAUSED: 'yes', MODE: '0644' });
  assert.ok(out);
  assert.equal(out.metadata.name, 'web-prod');
  assert.deepEqual(out['spec'], { replicas: 3, paused: true, mode: 420, image: 'nginx:1.27' });
  // The input is not mutated.
  assert.equal(deploy.metadata.name, 'web-${ENV}');
});

void test('substituteObjects leaves opted-out objects untouched (label or annotation)', () => {
  const key = 'kustomize.toolkit.fluxcd.io/substitute';
  const byLabel = configMap('a', { v: '${MISSING}' }, { labels: { [key]: 'disabled' } });
  const byAnnotation = configMap('b', { v: '${X}' }, { annotations: { [key]: 'disabled' } });
  const normal = configMap('c', { v: '${X}' });
  const out = substituteObjects([byLabel, byAnnotation, normal], { X: 'x' });
  assert.equal(out[0], byLabel);
  assert.deepEqual(out[1]?.['data'], { v: '${X}' });
  assert.deepEqual(out[2]?.['data'], { v: 'x' });
});

void test('substituteObjects errors name the object and the variable', () => {
  assert.throws(
    () => substituteObjects([configMap('settings', { v: '${NOPE}' })], {}),
    (err: unknown) =>
      err instanceof SubstitutionError &&
      err.variable === 'NOPE' &&
      err.message.includes('ConfigMap/apps/settings') &&
      err.message.includes('"NOPE"'),
  );
});

void test('substituteObjects strips newlines from values and refuses id collisions', () => {
  const [out] = substituteObjects([configMap('a', { v: '${X}' })], { X: 'one\ntwo' });
  assert.deepEqual(out?.['data'], { v: 'onetwo' });
  assert.throws(
    () => substituteObjects([configMap('a-${S}', {}), configMap('a-b', {})], { S: 'b' }),
    /already registered id/,
  );
});

void test('substituteObjects rejects values that break the YAML structure', () => {
  assert.throws(
    () => substituteObjects([configMap('a', { v: '${X}' })], { X: '{unbalanced' }),
    (err: unknown) => err instanceof ManifestError && err.message.includes('ConfigMap/apps/a'),
  );
});
