import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyModule } from './lazy-module.ts';

void test('lazyModule loads its module on the first call, once', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lazy-module-'));
  try {
    const file = path.join(dir, 'counted.cjs');
    await writeFile(
      file,
      'globalThis.lazyModuleLoads = (globalThis.lazyModuleLoads ?? 0) + 1;\nmodule.exports = { answer: 42 };\n',
    );
    const loads = (): number => (globalThis as { lazyModuleLoads?: number }).lazyModuleLoads ?? 0;
    const get = lazyModule<{ answer: number }>(file);
    assert.equal(loads(), 0, 'nothing is loaded before the first call');
    assert.equal(get().answer, 42);
    assert.equal(get().answer, 42);
    assert.equal(loads(), 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Packages only some installations use: an idle manager must not load them (P7 idle memory), so the sources
// import their types only and load them through lazyModule.
const LAZY = ['@bufbuild/cel', 're2js', 'aws4', 'fast-xml-parser'];

void test('the lazily loaded packages are never imported for their values', async () => {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const offenders: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(src, file), 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1] ?? '';
      if (LAZY.some((p) => spec === p || spec.startsWith(`${p}/`))) offenders.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
