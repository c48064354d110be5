// Where Driftless's own files are (package.json, dist/dashboard, examples): found by walking up from this module
// to Driftless's package.json, because this module runs from src/util, from dist/util and from a chunk of the
// one-file build (dist/bundle/), each at another depth.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let found: { root: string; version: string } | undefined;

function locate(): { root: string; version: string } {
  if (found) return found;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    let pkg: { name?: string; version?: string } | undefined;
    try {
      pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (pkg?.name === 'driftless') return (found = { root: dir, version: pkg.version ?? '0.0.0' });
    if (path.dirname(dir) === dir) throw new Error(`Driftless's package.json was not found above ${start}`);
  }
}

/** The directory of Driftless's package.json. */
export const packageRoot = (): string => locate().root;

/** package.json's `version` (e.g. `0.1.0`). */
export const packageVersion = (): string => locate().version;
