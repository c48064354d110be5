// Whether dist/ (the JavaScript `npm run build` compiles from src/) still matches the sources, judged
// cheaply enough to run at every start of bin/driftless.js (a few milliseconds: stats, no file reads).
//
// Before compiling, the build records a fingerprint of its inputs in dist/.build-stamp.json: the newest
// modification time and the number of entries among src/ and web/ (the dashboard's UI, bundled into
// dist/dashboard/) (files and directories, tests excluded) and the
// few files that change the output (tsconfig.json, tsconfig.build.json, scripts/build.js, and
// node_modules/.package-lock.json, which npm rewrites on every install and so covers the bundled
// client-node). dist/ is fresh when the fingerprint taken now is the same. An edit, a new or deleted file
// (the directory's time changes), a checkout or an install all change it; an edit made while the build
// runs does too, since the fingerprint is taken before the compile. A mismatch only costs speed: the
// launcher then runs the TypeScript sources through tsx, so an older build never shadows an edit.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the build writes the fingerprint it compiled; absent while a build runs or after a failed one. */
export const stampPath = 'dist/.build-stamp.json';
/** The compiled CLI entry point. */
export const distEntry = 'dist/cli/main.js';
/** The same, bundled with its packages by the build (absent when bundling failed); `main.js` is its entry. */
export const bundleDir = 'dist/bundle';

const fileInputs = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'node_modules/.package-lock.json'];

/** The newest modification time (ms) and the entry count of the build's inputs under `root`. */
export function inputFingerprint(root) {
  const acc = { newest: 0, count: 0 };
  walk(path.join(root, 'src'), acc);
  if (statSync(path.join(root, 'web'), { throwIfNoEntry: false })) walk(path.join(root, 'web'), acc);
  for (const f of fileInputs) {
    const st = statSync(path.join(root, f), { throwIfNoEntry: false });
    if (st) note(acc, st.mtimeMs);
  }
  return acc;
}

/** True when dist/ holds a build of exactly the current inputs (false on any doubt, never throws). */
export function distIsFresh(root) {
  try {
    if (!statSync(path.join(root, distEntry), { throwIfNoEntry: false })) return false;
    const stamp = JSON.parse(readFileSync(path.join(root, stampPath), 'utf8'));
    const now = inputFingerprint(root);
    return stamp.newest === now.newest && stamp.count === now.count;
  } catch {
    // No stamp (never built, build running or failed) or an unreadable one: run the sources.
    return false;
  }
}

/** Records the fingerprint a finished build compiled. */
export function writeStamp(root, fingerprint) {
  writeFileSync(path.join(root, stampPath), `${JSON.stringify(fingerprint)}\n`);
}

function walk(dir, acc) {
  note(acc, statSync(dir).mtimeMs);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, acc);
    // Tests are not compiled into dist/, so editing one does not make it stale.
    else if (!e.name.endsWith('.test.ts')) note(acc, statSync(p).mtimeMs);
  }
}

function note(acc, mtimeMs) {
  acc.count += 1;
  if (mtimeMs > acc.newest) acc.newest = mtimeMs;
}
