import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from './errors.ts';
import type { FluxResource } from './flux-object.ts';
import {
  findKind,
  fluxKinds,
  humanKind,
  kindByName,
  parseKindArgs,
  parseKindName,
  refuseWrittenKind,
  suspensionOf,
  type FluxKind,
} from './kinds.ts';

const kindsOf = (s: { kinds: FluxKind[] }): string[] => s.kinds.map((k) => k.kind);

void test('every alias of a kind resolves to it, in any case', () => {
  for (const word of ['gitrepositories', 'gitrepository', 'gitrepo', 'GitRepository', 'GITREPO']) {
    assert.equal(findKind(word)?.kind, 'GitRepository', word);
  }
  for (const word of ['kustomizations', 'kustomization', 'ks', 'Kustomization'])
    assert.equal(findKind(word)?.kind, 'Kustomization', word);
  for (const word of ['helmreleases', 'helmrelease', 'hr', 'HelmRelease'])
    assert.equal(findKind(word)?.kind, 'HelmRelease');
  assert.equal(findKind('alerts'), undefined);
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
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'all'])), [
    'GitRepository',
    'OCIRepository',
    'Bucket',
    'HelmRepository',
    'HelmChart',
    'ExternalArtifact',
  ]);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'helm', 'podinfo'])), ['HelmRepository']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'chart', 'apps-podinfo'])), ['HelmChart']);
  assert.deepEqual(kindsOf(parseKindArgs(['hr', 'podinfo'])), ['HelmRelease']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'oci', 'podinfo'])), ['OCIRepository']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'bucket', 'assets'])), ['Bucket']);
  assert.deepEqual(kindsOf(parseKindArgs(['ag', 'fleet'])), ['ArtifactGenerator']);
  assert.deepEqual(kindsOf(parseKindArgs(['externalartifacts'])), ['ExternalArtifact']);
  assert.deepEqual(kindsOf(parseKindArgs(['sources', 'external', 'apps'])), ['ExternalArtifact']);
  assert.deepEqual(kindsOf(parseKindArgs(['artifact', 'generators'])), ['ArtifactGenerator']);
  assert.deepEqual(parseKindArgs(['artifact', 'generator', 'fleet']).rest, ['fleet']);
  const all = parseKindArgs(['all']);
  assert.equal(all.all, true);
  assert.deepEqual(
    kindsOf(all),
    [
      'GitRepository',
      'OCIRepository',
      'Bucket',
      'HelmRepository',
      'HelmChart',
      'ExternalArtifact',
      'ArtifactGenerator',
      'Kustomization',
      'HelmRelease',
    ],
    'sources first, as flux prints them',
  );
  const ks = parseKindArgs(['ks', 'app']);
  assert.deepEqual([kindsOf(ks), ks.rest, ks.all], [['Kustomization'], ['app'], false]);
});

void test('parseKindArgs refuses unknown kinds and, where not allowed, all; listing what is accepted', () => {
  assert.throws(
    () => parseKindArgs(['alerts']),
    (err: unknown) =>
      err instanceof CliError &&
      err.reason === 'UnknownKind' &&
      /sources git .*sources helm .*sources chart .*kustomizations.*helmreleases \(helmrelease, hr\)/.test(err.message),
  );
  assert.throws(() => parseKindArgs(['all'], { allowAll: false }), /unknown kind "all"/);
  assert.throws(() => parseKindArgs(['sources', 'hr']), /unknown kind "sources hr"/);
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

void test('HelmRelease: revision of the newest snapshot, its HelmChart for --with-source (as flux); HelmChart: its source', () => {
  const hr = findKind('hr') as FluxKind;
  const chart = findKind('hc') as FluxKind;
  const templated = {
    apiVersion: hr.apiVersion,
    kind: 'HelmRelease',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      chart: {
        spec: { chart: 'web', sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' } },
      },
    },
    status: { lastAttemptedRevision: '1.1.0', history: [{ chartVersion: '1.0.0' }] },
  };
  assert.equal(hr.revision(templated), '1.0.0');
  assert.equal(hr.successMessage(templated), 'applied revision 1.0.0');
  assert.deepEqual(hr.sourceRef?.(templated), { kind: 'HelmChart', name: 'apps-web', namespace: 'flux-system' });
  const referenced = {
    ...templated,
    spec: { chartRef: { kind: 'HelmChart', name: 'web' } },
    status: { lastAttemptedRevision: '2.0.0' },
  };
  assert.equal(hr.revision(referenced), '2.0.0');
  assert.deepEqual(hr.sourceRef?.(referenced), { kind: 'HelmChart', name: 'web', namespace: 'apps' });
  const hc = {
    apiVersion: chart.apiVersion,
    kind: 'HelmChart',
    metadata: { name: 'apps-web', namespace: 'flux-system' },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' } },
    status: { artifact: { revision: '0.1.0' } },
  };
  assert.equal(chart.revision(hc), '0.1.0');
  assert.deepEqual(chart.sourceRef?.(hc), { kind: 'GitRepository', name: 'repo', namespace: 'flux-system' });
  assert.equal(humanKind(chart), 'source chart');
});

void test('an ArtifactGenerator is suspended by its reconcile annotation; an ExternalArtifact is refused by reconcile, suspend and resume', () => {
  const ag = findKind('artifactgenerators')!;
  const suspension = suspensionOf(ag);
  assert.deepEqual(suspension.suspendPatch, {
    metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': 'disabled' } },
  });
  assert.deepEqual(suspension.resumePatch, {
    metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': 'enabled' } },
  });
  const obj = (o: Omit<FluxResource, 'apiVersion' | 'kind'>): FluxResource =>
    ({ ...o, apiVersion: 'v1', kind: 'X' }) as FluxResource;
  const paused = obj({
    metadata: { name: 'fleet', annotations: { 'source.extensions.fluxcd.io/reconcile': 'Disabled' } },
    spec: {},
  });
  assert.equal(suspension.isSuspended(paused), true);
  assert.equal(suspension.isSuspended(obj({ metadata: { name: 'fleet' }, spec: { suspend: true } })), false);
  assert.equal(
    suspensionOf(findKind('ks')!).isSuspended(obj({ metadata: { name: 'x' }, spec: { suspend: true } })),
    true,
  );
  assert.equal(
    ag.successMessage(obj({ metadata: { name: 'fleet' }, status: { inventory: [{}, {}] } })),
    'generated 2 artifact(s)',
  );
  const ea = findKind('ea')!;
  assert.throws(() => refuseWrittenKind(ea, 'suspend'), {
    message:
      'ExternalArtifact objects are written by their ArtifactGenerator: suspend the ArtifactGenerator instead (driftless suspend artifactgenerator <name>)',
  });
  assert.doesNotThrow(() => refuseWrittenKind(ag, 'reconcile'));
});
