// The build step's cache with the real kustomize: an unchanged artifact and spec is not rebuilt, anything else is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kustomization } from '../../../api/kustomization.ts';
import type { Artifact } from '../../../api/meta.ts';
import type { KubeClient } from '../../../kube/client.ts';
import { BuildCache } from '../../../render/build-cache.ts';
import { provisionedKustomize } from '../../../render/test-fixtures.ts';
import { buildManifests } from './build.ts';

const kustomizeBin = provisionedKustomize();
const skip = kustomizeBin ? false : 'kustomize is not provisioned (run scripts/provision.sh kustomize)';

const ks = (spec: Partial<Kustomization['spec']> = {}): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'flux-system' },
  spec: { interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' }, path: './app', ...spec },
});
const artifact = (digest: string): Artifact => ({
  path: 'p',
  url: 'http://artifacts/p.tar.gz',
  revision: 'main@sha1:abc',
  digest,
  lastUpdateTime: '2026-01-01T00:00:00Z',
});

/** An artifact store that writes `value` into the ConfigMap and counts how often it was asked. */
function store(value: () => string) {
  const calls = { n: 0 };
  return {
    calls,
    materialize: async (o: { dest: string }) => {
      calls.n++;
      await mkdir(path.join(o.dest, 'app'), { recursive: true });
      await writeFile(
        path.join(o.dest, 'app', 'cm.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: ${value()}\n  who: \${who:=nobody}\n`,
      );
    },
  };
}

const run = (o: { ks: Kustomization; digest: string; artifacts: ReturnType<typeof store>; cache: BuildCache }) =>
  buildManifests({
    ks: o.ks,
    artifact: artifact(o.digest),
    artifacts: o.artifacts,
    client: {} as KubeClient, // inline substitution only: nothing is read from the cluster
    kustomizeBin: kustomizeBin ?? 'kustomize',
    allowRemoteBases: false,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    cache: o.cache,
  });

void test('an unchanged artifact and spec is built once; a new digest or spec builds again', { skip }, async () => {
  let value = 'one';
  const artifacts = store(() => value);
  const cache = new BuildCache();
  const first = await run({ ks: ks(), digest: 'sha256:1', artifacts, cache });
  assert.equal((first.objects[0]?.['data'] as Record<string, string>)['value'], 'one');
  first.objects[0]!.metadata.name = 'edited by the caller';

  // The store would now give different content for the same digest: a cache hit cannot see it.
  value = 'two';
  const again = await run({ ks: ks(), digest: 'sha256:1', artifacts, cache });
  assert.equal(artifacts.calls.n, 1, 'the same digest and spec are not fetched nor built again');
  assert.equal(again.digest, first.digest);
  assert.equal(again.objects[0]?.metadata.name, 'settings', 'each use gets its own copy');
  assert.equal((again.objects[0]?.['data'] as Record<string, string>)['value'], 'one');

  const newDigest = await run({ ks: ks(), digest: 'sha256:2', artifacts, cache });
  assert.equal(artifacts.calls.n, 2);
  assert.equal((newDigest.objects[0]?.['data'] as Record<string, string>)['value'], 'two');
  assert.notEqual(newDigest.digest, first.digest);

  const prefixed = await run({ ks: ks({ namePrefix: 'p-' }), digest: 'sha256:2', artifacts, cache });
  assert.equal(artifacts.calls.n, 3, 'a spec field kustomize sees builds again');
  assert.equal(prefixed.objects[0]?.metadata.name, 'p-settings');
});

void test(
  'post-build substitution runs on every reconcile, also when the build comes from the cache',
  { skip },
  async () => {
    const artifacts = store(() => 'one');
    const cache = new BuildCache();
    const who = (name: string) => ks({ postBuild: { substitute: { who: name } } });
    const a = await run({ ks: who('alice'), digest: 'sha256:1', artifacts, cache });
    const b = await run({ ks: who('bob'), digest: 'sha256:1', artifacts, cache });
    assert.equal(artifacts.calls.n, 1);
    assert.equal((a.objects[0]?.['data'] as Record<string, string>)['who'], 'alice');
    assert.equal((b.objects[0]?.['data'] as Record<string, string>)['who'], 'bob');
    const plain = await run({ ks: ks(), digest: 'sha256:1', artifacts, cache });
    assert.equal(
      (plain.objects[0]?.['data'] as Record<string, string>)['who'],
      '${who:=nobody}',
      'no postBuild, no substitution',
    );
  },
);

void test('spec.decryption is never served from the cache', { skip }, async () => {
  const artifacts = store(() => 'one');
  const cache = new BuildCache();
  const secretless = ks({ decryption: { provider: 'sops' } });
  await run({ ks: secretless, digest: 'sha256:1', artifacts, cache });
  await run({ ks: secretless, digest: 'sha256:1', artifacts, cache });
  assert.equal(artifacts.calls.n, 2);
  assert.equal(cache.size, 0);
});
