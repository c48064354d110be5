import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnsafeObjectKeyError } from './errors.ts';
import { assertSafeObjectKey, isSkippedKey, objectKeyProblem } from './keys.ts';

describe('objectKeyProblem', () => {
  it('accepts plain relative keys', () => {
    for (const key of ['a.yaml', 'apps/base/deploy.yaml', 'with space/x', '..hidden', 'a..b/c', '.sourceignore-not']) {
      assert.equal(objectKeyProblem(key), undefined, key);
    }
  });

  it('refuses keys that would leave the artifact root or collide after normalisation', () => {
    const cases: [string, RegExp][] = [
      ['../evil.yaml', /'\.\.' segment/],
      ['apps/../../evil.yaml', /'\.\.' segment/],
      ['..', /'\.\.' segment/],
      ['/etc/passwd', /absolute path/],
      ['a\\..\\b', /backslash/],
      ['a\0b', /NUL/],
      ['./a.yaml', /'\.' segment/],
      ['a//b.yaml', /empty segment/],
      ['', /is empty/],
    ];
    for (const [key, expected] of cases) assert.match(objectKeyProblem(key) ?? '', expected, JSON.stringify(key));
  });

  it('throws UnsafeObjectKeyError naming the key and the way out', () => {
    assert.throws(
      () => assertSafeObjectKey('../evil.yaml'),
      (err: unknown) =>
        err instanceof UnsafeObjectKeyError &&
        err.key === '../evil.yaml' &&
        /object key '\.\.\/evil\.yaml' contains a '\.\.' segment/.test(err.message) &&
        /rename or delete the object/.test(err.message),
    );
  });

  it('escapes control characters in the message', () => {
    assert.throws(() => assertSafeObjectKey('a\0\n'), /object key 'a\\x00\\x0a'/);
  });
});

describe('isSkippedKey', () => {
  it('skips directory placeholders and the .sourceignore object, as source-controller does', () => {
    assert.equal(isSkippedKey('apps/'), true);
    assert.equal(isSkippedKey('.sourceignore'), true);
    assert.equal(isSkippedKey('apps/.sourceignore'), false);
    assert.equal(isSkippedKey('apps/x.yaml'), false);
  });
});
