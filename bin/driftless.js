#!/usr/bin/env node
// Entry point. Runs the compiled JavaScript in dist/ when it matches the sources (`npm run build`;
// scripts/setup.sh, and so `npm test` and `npm run dev`, build first), which starts in a fraction of a
// second: its one-file bundle (dist/bundle/) when the build made one, else the compiled modules. Otherwise it runs the TypeScript sources through tsx, which compiles them at every start
// (seconds), so a checkout works without a build and an edit is never shadowed by an older build.
// How "matches" is judged cheaply: bin/dist-stamp.js. DRIFTLESS_USE_DIST=1 runs dist/ whenever it
// exists, stamp or not: for a long measurement (npm run bench builds first) in a tree that others keep
// editing, where every process must run the same build.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDir, distEntry, distIsFresh } from './dist-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pinned = process.env.DRIFTLESS_USE_DIST === '1' && existsSync(path.join(root, distEntry));

if (pinned || distIsFresh(root)) {
  if (existsSync(path.join(root, bundleDir, 'main.js'))) await import('../dist/bundle/main.js');
  else await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
