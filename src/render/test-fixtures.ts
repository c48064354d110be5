// Test-only helpers: temporary source trees and the provisioned kustomize binary.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The kustomize binary built by scripts/provision.sh (honours DRIFTLESS_CACHE like the script). */
export function provisionedKustomize(): string | undefined {
  const cache = process.env['DRIFTLESS_CACHE'] ?? path.join(os.homedir(), '.cache', 'driftless');
  const bin = path.join(cache, 'bin', 'kustomize');
  return existsSync(bin) ? bin : undefined;
}

/** A file tree to create: path → content, or `{ symlink: target }`. */
export type Tree = Record<string, string | { symlink: string }>;

/** Creates a fresh temp dir holding `tree` under `src/`; returns its paths and a cleanup function. */
export async function makeTree(tree: Tree): Promise<{ base: string; root: string; cleanup: () => Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'driftless-render-test-'));
  const root = path.join(base, 'src');
  await mkdir(root);
  for (const [rel, content] of Object.entries(tree)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    if (typeof content === 'string') await writeFile(file, content);
    else await symlink(content.symlink, file);
  }
  return { base, root, cleanup: () => rm(base, { recursive: true, force: true }) };
}
