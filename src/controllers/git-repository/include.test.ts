// spec.include: included artifacts and their Flux reasons, the copy into the checkout, and who is requeued.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GitRepository } from '../../api/git-repository.ts';
import type { Artifact } from '../../api/meta.ts';
import { archiveDirectory } from '../../artifacts/archive.ts';
import { ArtifactStorage } from '../../artifacts/storage.ts';
import { ReconcileFailure } from '../../runtime/reconcile/failure.ts';
import { copyIncludes, includeDependents, includedArtifacts, includeIndexValues, joinInside } from './include.ts';

const repo = (name: string, spec: Partial<GitRepository['spec']> = {}, artifact?: Artifact): GitRepository => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name, namespace: 'ns' },
  spec: { url: 'https://git.example/x.git', interval: '1m', ...spec },
  ...(artifact ? { status: { observedGeneration: 1, artifact } } : {}),
});
const art = (revision: string): Artifact => ({
  path: `gitrepository/ns/lib/${revision}.tar.gz`,
  url: `http://storage/gitrepository/ns/lib/${revision}.tar.gz`,
  revision,
  digest: 'sha256:aa',
  lastUpdateTime: '2026-01-01T00:00:00Z',
});

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'include-test-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

void test('a missing include is NotFound and one without an artifact NoArtifact, both IncludeUnavailable', () => {
  const including = repo('app', { include: [{ repository: { name: 'lib' } }] });
  const check = (lookup: (ns: string, n: string) => GitRepository | undefined, reason: string, message: string) =>
    assert.throws(
      () => includedArtifacts(including, lookup, 5000),
      (err: unknown) => {
        assert.ok(err instanceof ReconcileFailure);
        assert.equal(err.reason, reason);
        assert.equal(err.message, message);
        assert.equal(err.opts.requeueAfterMs, 5000);
        assert.equal(err.opts.waiting, true);
        assert.deepEqual(err.opts.conditions, [{ type: 'IncludeUnavailable', status: 'True' }]);
        return true;
      },
    );
  check(
    () => undefined,
    'NotFound',
    `could not get resource for include 'lib': gitrepositories.source.toolkit.fluxcd.io "lib" not found`,
  );
  check(() => repo('lib'), 'NoArtifact', `no artifact available for include 'lib'`);
  const got = includedArtifacts(including, () => repo('lib', {}, art('main@sha1:1')), 5000);
  assert.deepEqual(got, [art('main@sha1:1')]);
});

void test('joinInside keeps .. at the root and refuses a symbolic link on the way', async () => {
  const root = path.join(scratch, 'join');
  await mkdir(path.join(root, 'real'), { recursive: true });
  await symlink('/etc', path.join(root, 'link'));
  assert.equal(await joinInside(root, '../../x'), path.join(root, 'x'));
  assert.equal(await joinInside(root, 'real/new/deeper'), path.join(root, 'real/new/deeper'));
  await assert.rejects(joinInside(root, 'link/x'), /passes through the symbolic link 'link'/);
});

void test('copyIncludes puts fromPath of the included artifact at toPath; an occupied target is CopyFailure', async () => {
  const storage = new ArtifactStorage({ root: path.join(scratch, 'storage'), advertiseBaseUrl: 'http://storage' });
  const src = path.join(scratch, 'lib-src');
  await mkdir(path.join(src, 'deploy'), { recursive: true });
  await writeFile(path.join(src, 'deploy', 'cm.yaml'), 'kind: ConfigMap\n');
  await writeFile(path.join(src, 'README.md'), 'lib\n');
  const { data } = await archiveDirectory({ dir: src, ignore: () => false });
  const stored = await storage.store({
    kind: 'GitRepository',
    namespace: 'ns',
    name: 'lib',
    filename: 'c1.tar.gz',
    data,
    revision: 'main@sha1:c1',
  });
  const checkout = path.join(scratch, 'checkout');
  await mkdir(path.join(checkout, 'taken'), { recursive: true });
  await writeFile(path.join(checkout, 'taken', 'keep.txt'), 'x');
  const obj = repo('app', {
    include: [
      { repository: { name: 'lib' }, fromPath: 'deploy', toPath: 'vendor/lib' },
      { repository: { name: 'lib' } },
    ],
  });
  await copyIncludes({ obj, artifacts: [stored, stored], storage, checkout, work: scratch });
  assert.equal(await readFile(path.join(checkout, 'vendor/lib/cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
  assert.equal(await readFile(path.join(checkout, 'lib/README.md'), 'utf8'), 'lib\n');
  assert.equal(await readFile(path.join(checkout, 'lib/deploy/cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
  const occupied = repo('app', { include: [{ repository: { name: 'lib' }, toPath: 'taken' }] });
  await assert.rejects(
    copyIncludes({ obj: occupied, artifacts: [stored], storage, checkout, work: scratch }),
    (err: unknown) => {
      assert.ok(err instanceof ReconcileFailure);
      assert.equal(err.reason, 'CopyFailure');
      assert.equal(err.message, `failed to copy 'lib' include from  to taken: the target path exists and is not empty`);
      assert.deepEqual(err.opts.conditions, [{ type: 'StorageOperationFailed', status: 'True' }]);
      return true;
    },
  );
  const missing = repo('app', { include: [{ repository: { name: 'lib' }, fromPath: 'nope', toPath: 'n' }] });
  await assert.rejects(
    copyIncludes({ obj: missing, artifacts: [stored], storage, checkout, work: scratch }),
    /failed to copy 'lib' include from nope to n: no such file or directory/,
  );
});

void test('a new artifact requeues its includers, except suspended ones and those in an include cycle', () => {
  const repos = new Map<string, GitRepository>();
  const add = (r: GitRepository) => repos.set(`ns/${r.metadata.name}`, r);
  const lib = add(repo('lib', { include: [{ repository: { name: 'base' } }] }, art('main@sha1:1'))).get('ns/lib')!;
  add(repo('app', { include: [{ repository: { name: 'lib' } }] }));
  add(repo('paused', { suspend: true, include: [{ repository: { name: 'lib' } }] }));
  add(repo('base', { include: [{ repository: { name: 'lib' } }] }));
  const index = new Map<string, string[]>();
  for (const [key, r] of repos) for (const v of includeIndexValues(r)) index.set(v, [...(index.get(v) ?? []), key]);
  const lookup = (ns: string, name: string) => repos.get(`${ns}/${name}`);
  const dependents = includeDependents(lib, lookup, (key) => index.get(key) ?? []);
  // base includes lib and lib includes base: a cycle, left to the interval.
  assert.deepEqual(dependents, ['ns/app']);
  assert.deepEqual(
    includeDependents(repo('lib'), lookup, (key) => index.get(key) ?? []),
    [],
  );
});
