// Flux's Setters update strategy over a directory: every .yaml/.yml/Kustomization file holding the setter
// token is updated in place; files that do not parse are skipped and reported, the others still updated.
import { lstat, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  InvalidYamlError,
  SetterToken,
  applySetters,
  setterValues,
  type ObjectId,
  type PolicyImage,
  type SetterChange,
} from './setters.ts';

/** One object's changes in one file. */
export interface ObjectChanges {
  object: ObjectId;
  changes: SetterChange[];
}

/** What the update did: changes by file (paths relative to the update path, `/`-separated). */
export interface UpdateResult {
  files: Map<string, ObjectChanges[]>;
  /** Files with the token that are not valid YAML: left untouched. */
  skipped: { file: string; error: string }[];
  /** Markers naming a setter no policy in scope provides, with the file they are in. */
  unknown: { file: string; setter: string }[];
}

const sameObject = (a: ObjectId, b: ObjectId): boolean =>
  a.APIVersion === b.APIVersion && a.Kind === b.Kind && a.Name === b.Name && a.Namespace === b.Namespace;

async function* candidateFiles(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === '.git') continue;
      yield* candidateFiles(full);
    } else if (e.isFile() && (/\.ya?ml$/.test(e.name) || e.name === 'Kustomization')) {
      yield full;
    }
  }
}

/** Applies the policies' setters to the files under `root` (a directory inside the checkout, symlinks not followed). */
export async function updateWithSetters(root: string, policies: readonly PolicyImage[]): Promise<UpdateResult> {
  const values = setterValues(policies);
  const result: UpdateResult = { files: new Map(), skipped: [], unknown: [] };
  const info = await lstat(root);
  const files = info.isDirectory()
    ? candidateFiles(root)
    : (async function* () {
        yield root;
      })();
  const base = info.isDirectory() ? root : path.dirname(root);
  for await (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!text.includes(SetterToken)) continue;
    const rel = path.relative(base, file).split(path.sep).join('/');
    let update;
    try {
      update = applySetters(text, values);
    } catch (err) {
      if (!(err instanceof InvalidYamlError)) throw err;
      result.skipped.push({ file: rel, error: err.message });
      continue;
    }
    for (const setter of update.unknown) result.unknown.push({ file: rel, setter });
    if (update.changes.length === 0) continue;
    await writeFile(file, update.text);
    const objects: ObjectChanges[] = [];
    for (const { object, change } of update.changes) {
      const entry = objects.find((o) => sameObject(o.object, object));
      if (entry) entry.changes.push(change);
      else objects.push({ object, changes: [change] });
    }
    result.files.set(rel, objects);
  }
  return result;
}
