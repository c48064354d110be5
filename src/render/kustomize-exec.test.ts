import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanStderr } from './kustomize-exec.ts';

void test('cleanStderr joins lines, strips prefixes and bounds the length', () => {
  assert.equal(
    cleanStderr("Error: accumulating resources from '/tmp/x/src/a.yaml': bad\n\n/tmp/x/src is broken\n", [
      '/tmp/x/src',
    ]),
    "accumulating resources from 'a.yaml': bad; . is broken",
  );
  assert.equal(cleanStderr('x'.repeat(5000), []).length, 4097);
  assert.equal(cleanStderr('', []), 'no error output');
});
