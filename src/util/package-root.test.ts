import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageRoot, packageVersion } from './package-root.ts';

test('packageRoot is the directory of the package.json named driftless, and packageVersion its version', () => {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as Record<string, string>;
  assert.equal(pkg['name'], 'driftless');
  assert.equal(packageVersion(), pkg['version']);
  assert.ok(existsSync(path.join(packageRoot(), 'src', 'util', 'package-root.ts')));
});
