import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { kustomizeSpecOf } from '../render/kustomization-inputs.ts';
import { findCheckoutRoot, loadKustomization, maskSopsSecrets, SopsMask } from './local-build.ts';
import { testKustomization as ks, unreachableClient, withTmp } from './test-support.ts';

void test('the overlay fields are passed on as the manager passes them; unset ones are left out', () => {
  assert.deepEqual(kustomizeSpecOf(ks()), {});
  const spec = kustomizeSpecOf(
    ks({
      targetNamespace: 'prod',
      namePrefix: 'p-',
      images: [{ name: 'nginx', newTag: '1.27' }],
      commonMetadata: { labels: { a: 'b' } },
      ignoreMissingComponents: false,
    }),
  );
  assert.deepEqual(spec, {
    targetNamespace: 'prod',
    namePrefix: 'p-',
    images: [{ name: 'nginx', newTag: '1.27' }],
    commonMetadata: { labels: { a: 'b' } },
  });
});

void test('SOPS-encrypted Secrets are masked as flux build masks them; plain Secrets and other kinds pass through', () => {
  const sops = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: { key: 'RU5DW0FFUzI1Nl0=' },
    stringData: { other: 'ENC[AES256_GCM,data:x]' },
    sops: { mac: 'ENC[AES256_GCM,data:abc]' },
  };
  const plain = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'p' }, data: { key: 'c2VjcmV0' } };
  const [masked, kept] = maskSopsSecrets([sops, plain]);
  assert.deepEqual(masked, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: { key: Buffer.from(SopsMask).toString('base64') },
    stringData: { other: SopsMask },
  });
  assert.equal(kept, plain);
});

void test('a Kustomization file is read by name, with the namespace defaulted; a wrong name says what the file has', async () => {
  await withTmp(async (dir) => {
    const file = path.join(dir, 'ks.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\nspec:\n  interval: 5m\n  prune: true\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: repo\n',
    );
    const loaded = await loadKustomization({ client: unreachableClient(), namespace: 'team', name: 'app', file });
    assert.equal(loaded.metadata.namespace, 'team');
    assert.equal(loaded.spec.path, './apps');
    await assert.rejects(
      loadKustomization({ client: unreachableClient(), namespace: 'team', name: 'nope', file }),
      /has no Flux Kustomization named 'nope' .*found: app/,
    );
  });
});

void test('the source root is the enclosing Git checkout', async () => {
  await withTmp(async (dir) => {
    await mkdir(path.join(dir, '.git'));
    await mkdir(path.join(dir, 'clusters', 'prod'), { recursive: true });
    assert.equal(await findCheckoutRoot(path.join(dir, 'clusters', 'prod')), dir);
  });
});
