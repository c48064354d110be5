import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from './errors.ts';
import { findKind, fluxKinds, humanKind, kindByName, parseKindArgs, parseKindName, type FluxKind } from './kinds.ts';

const kindsOf = (s: { kinds: FluxKind[] }): string[] => s.kinds.map((k) => k.kind);

void test('every alias of a kind resolves to it, in any case', () => {
  for (const word of ['gitrepositories', 'gitrepository', 'gitrepo', 'GitRepository', 'GITREPO']) {
    assert.equal(findKind(word)?.kind, 'GitRepository', word);
  }
  for (const word of ['kustomizations', 'kustomization', 'ks', 'Kustomization'])
    assert.equal(findKind(word)?.kind, 'Kustomization', word);
  assert.equal(findKind('helmreleases'), undefined);
  assert.equal(kindByName('Kustomization')?.apiVersion, 'kustomize.toolkit.fluxcd.io/v1');
});

void test('no two kinds share a command-line word', () => {
  const words = fluxKinds.flatMap((k) => [...new Set([...k.names, k.kind.toLowerCase()])]);
  assert.equal(new Set(words).size, words.length);
});

void test('parseKindArgs reads flux forms: sources git, sources all, all, aliases, then names', () => {
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'git', 'podinfo'])), ['GitRepository']);
  assert.deepEqual(parseKindArgs(['sources', 'git', 'podinfo']).rest, ['podinfo']);
  assert.deepEqual(kindsOf(parseKindArgs(['source', 'gitrepo'])), ['GitRepository']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'all'])), ['GitRepository', 'OCIRepository', 'Bucket']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'oci', 'podinfo'])), ['OCIRepository']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'bucket', 'assets'])), ['Bucket']);
  const all = parseKindArgs(['all']);
  assert.equal(all.all, true);
  assert.deepEqual(
    kindsOf(all),
    ['GitRepository', 'OCIRepository', 'Bucket', 'Kustomization'],
    'sources first, as flux prints them',
  );
  const ks = parseKindArgs(['ks', 'app']);
  assert.deepEqual([kindsOf(ks), ks.rest, ks.all], [['Kustomization'], ['app'], false]);
});

void test('parseKindArgs refuses unknown kinds and, where not allowed, all; listing what is accepted', () => {
  assert.throws(
    () => parseKindArgs(['helmreleases']),
    (err: unknown) =>
      err instanceof CliError && err.reason === 'UnknownKind' && /sources git .*kustomizations/.test(err.message),
  );
  assert.throws(() => parseKindArgs(['all'], { allowAll: false }), /unknown kind "all"/);
  assert.throws(() => parseKindArgs(['sources', 'helm']), /unknown kind "sources helm"/);
  assert.throws(() => parseKindArgs(['sources']), /unknown kind "sources"/);
  assert.throws(() => parseKindArgs([]), /a kind is required/);
});

void test('parseKindName reads --for Kind/name and Kind alone', () => {
  const withName = parseKindName('kustomization/app');
  assert.equal(withName.kind.kind, 'Kustomization');
  assert.equal(withName.name, 'app');
  assert.equal(parseKindName('GitRepository').name, undefined);
  assert.throws(() => parseKindName('Alert/slack'), /'Alert' is not a Flux kind served by Driftless/);
});

void test('revision, success line and source reference come from the registry entry', () => {
  const ks = findKind('ks') as FluxKind;
  const git = findKind('gitrepo') as FluxKind;
  const obj = {
    apiVersion: ks.apiVersion,
    kind: 'Kustomization',
    metadata: { name: 'app', namespace: 'apps' },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' } },
    status: { lastAppliedRevision: 'main@sha1:abc', artifact: { revision: 'main@sha1:def' } },
  };
  assert.equal(ks.revision(obj), 'main@sha1:abc');
  assert.equal(ks.successMessage(obj), 'applied revision main@sha1:abc');
  assert.deepEqual(ks.sourceRef?.(obj), { kind: 'GitRepository', name: 'repo', namespace: 'apps' });
  assert.equal(git.revision(obj), 'main@sha1:def');
  assert.equal(git.successMessage(obj), 'fetched revision main@sha1:def');
  assert.equal(humanKind(git), 'source git');
  assert.equal(humanKind(ks), 'kustomization');
});
