// Runs the unit test files given as arguments in this one process, one suite per file, four files
// at a time. Unit tests are pure (no processes, no module state, no peers), so they need no process
// of their own, and one start of Node and tsx instead of one per file keeps the suite within seconds
// on a small machine. A file that fails to load fails its own suite; the others still run.
// Usage (see scripts/test.sh): node --import tsx scripts/run-unit-tests.ts <file.test.ts>...
import path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

/** How long one file may take before it fails: a hung test fails the run instead of stalling it. */
const FILE_TIMEOUT_MS = 60_000;

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node --import tsx scripts/run-unit-tests.ts <file.test.ts>...');
  process.exit(2);
}

void describe('unit', { concurrency: 4 }, () => {
  for (const file of files) {
    void describe(file, { timeout: FILE_TIMEOUT_MS }, async () => {
      // The file's tests register while it is imported, inside this suite.
      try {
        await import(pathToFileURL(path.resolve(file)).href);
      } catch (err) {
        // A failed test, not only a failed suite, so that the summary counts it.
        void test('the file loads', () => {
          throw err;
        });
      }
    });
  }
});
