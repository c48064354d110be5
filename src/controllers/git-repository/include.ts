// GitRepository `spec.include`: the included repositories' artifacts, and copying their (sub)trees into
// the checkout before it is archived, as source-controller's fetchIncludes and reconcileInclude do.
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConditionTypes, Kinds } from '../../api/constants.ts';
import type { GitRepository } from '../../api/git-repository.ts';
import type { Artifact } from '../../api/meta.ts';
import { FETCH_DEFAULTS } from '../../artifacts/fetch.ts';
import type { ArtifactStorage } from '../../artifacts/storage.ts';
import { untarSafe } from '../../artifacts/untar.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { messageOf } from '../shared.ts';
import { includeFromPath, includeToPath } from './content-config.ts';

/** Reads a GitRepository of the same namespace (the controller's informer cache). */
export type GitRepositoryLookup = (namespace: string, name: string) => GitRepository | undefined;

const unavailable = (reason: string, message: string, requeueAfterMs: number): ReconcileFailure =>
  new ReconcileFailure(reason, message, {
    waiting: true,
    requeueAfterMs,
    event: 'info',
    conditions: [{ type: ConditionTypes.IncludeUnavailable, status: 'True' }],
  });

/**
 * The current artifacts of `spec.include`, in order. A missing repository fails with reason `NotFound`,
 * one without an artifact with `NoArtifact`; both set IncludeUnavailable=True and retry after
 * `requeueDependencyMs`, as source-controller does.
 */
export function includedArtifacts(
  obj: GitRepository,
  lookup: GitRepositoryLookup,
  requeueDependencyMs: number,
): Artifact[] {
  const ns = obj.metadata.namespace ?? '';
  return (obj.spec.include ?? []).map((inc) => {
    const name = inc.repository.name;
    const dep = lookup(ns, name);
    if (!dep) {
      throw unavailable(
        'NotFound',
        `could not get resource for include '${name}': gitrepositories.source.toolkit.fluxcd.io "${name}" not found`,
        requeueDependencyMs,
      );
    }
    const artifact = dep.status?.artifact;
    if (!artifact) throw unavailable('NoArtifact', `no artifact available for include '${name}'`, requeueDependencyMs);
    return { ...artifact, ...(artifact.metadata ? { metadata: { ...artifact.metadata } } : {}) };
  });
}

/**
 * `rel` resolved inside `root` the way securejoin does for paths (`..` cannot climb above the root), refusing
 * any existing component that is a symbolic link, so a link in the repository cannot redirect the copy.
 */
export async function joinInside(root: string, rel: string): Promise<string> {
  const clean = path.posix.normalize(`/${rel}`).slice(1);
  let at = root;
  for (const part of clean.split('/').filter((p) => p !== '')) {
    at = path.join(at, part);
    const info = await lstat(at).catch(() => undefined);
    if (info === undefined) break;
    if (info.isSymbolicLink())
      throw new Error(`'${rel}' passes through the symbolic link '${path.relative(root, at)}'`);
  }
  return path.join(root, clean);
}

/**
 * Copies each included artifact's `fromPath` into `checkout` at `toPath` (Flux's Storage.CopyToPath: unpack,
 * then rename into place, so an existing non-empty target fails). Fails with reason `CopyFailure` (or
 * `IllegalPath`) and StorageOperationFailed=True, as source-controller does.
 */
export async function copyIncludes(opts: {
  obj: GitRepository;
  artifacts: readonly Artifact[];
  storage: ArtifactStorage;
  checkout: string;
  /** Private scratch directory to unpack into (on the checkout's file system). */
  work: string;
}): Promise<void> {
  const includes = opts.obj.spec.include ?? [];
  for (const [i, inc] of includes.entries()) {
    const name = inc.repository.name;
    const fromPath = includeFromPath(inc);
    const toPath = includeToPath(inc);
    const fail = (reason: string, message: string, cause: unknown): ReconcileFailure =>
      new ReconcileFailure(reason, message, {
        cause,
        conditions: [{ type: ConditionTypes.StorageOperationFailed, status: 'True' }],
      });
    let target: string;
    try {
      target = await joinInside(opts.checkout, toPath);
    } catch (err) {
      throw fail('IllegalPath', `path calculation for include '${name}' failed: ${messageOf(err)}`, err);
    }
    const artifact = opts.artifacts[i];
    try {
      if (!artifact) throw new Error(`no artifact of ${Kinds.GitRepository} '${name}'`);
      const unpacked = await mkdtemp(path.join(opts.work, 'include-'));
      await untarSafe({
        source: createReadStream(opts.storage.localPath(artifact.path)),
        dest: unpacked,
        maxBytes: FETCH_DEFAULTS.maxUntarBytes,
      });
      const from = path.join(unpacked, path.posix.normalize(`/${fromPath}`).slice(1));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(from, target);
      await rm(unpacked, { recursive: true, force: true });
    } catch (err) {
      throw fail(
        'CopyFailure',
        `failed to copy '${name}' include from ${fromPath} to ${toPath}: ${copyErrorText(err)}`,
        err,
      );
    }
  }
}

/** An fs error without the private temp paths it names. */
function copyErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'the target path exists and is not empty';
  if (code === 'ENOTDIR' || code === 'EISDIR') return 'the target path exists and is of another type';
  return messageOf(err);
}

/** The index values a GitRepository is found under: `<namespace>/<name>` of each repository it includes. */
export function includeIndexValues(obj: GitRepository): string[] {
  const ns = obj.metadata.namespace ?? '';
  return [...new Set((obj.spec.include ?? []).map((i) => `${ns}/${i.repository.name}`))];
}

/**
 * The keys of the GitRepositories to reconcile when `changed` got a new artifact: those that include it,
 * minus suspended or deleted ones and minus its own transitive includes, so an include cycle stays
 * interval-driven instead of rebuilding in a loop (as source-controller's include watch does).
 */
export function includeDependents(
  changed: GitRepository,
  lookup: GitRepositoryLookup,
  includersOf: (key: string) => string[],
): string[] {
  if (!changed.status?.artifact) return [];
  const ns = changed.metadata.namespace ?? '';
  const ancestors = new Set([changed.metadata.name]);
  const pending = (changed.spec.include ?? []).map((i) => i.repository.name);
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (ancestors.has(name)) continue;
    ancestors.add(name);
    pending.push(...(lookup(ns, name)?.spec.include ?? []).map((i) => i.repository.name));
  }
  return includersOf(`${ns}/${changed.metadata.name}`).filter((key) => {
    const [keyNs = '', name = ''] = key.split('/');
    const dependent = lookup(keyNs, name);
    return (
      dependent !== undefined &&
      dependent.spec.suspend !== true &&
      !dependent.metadata.deletionTimestamp &&
      !ancestors.has(name)
    );
  });
}
