import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Kustomization } from '../api/kustomization.ts';
import { KubeClient } from '../kube/client.ts';
import { kustomizeSpecOf } from '../render/kustomization-inputs.ts';
import { buildLocal, findCheckoutRoot, loadKustomization, maskSopsSecrets, SopsMask } from './local-build.ts';

const kustomizeBin = path.join(homedir(), '.cache', 'driftless', 'bin', 'kustomize');

// A client for an address where nothing listens: any API call fails fast, as with an unreachable cluster.
function unreachableClient(): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeClient({ kubeConfig: kc });
}

const ks = (spec: Partial<Kustomization['spec']> = {}): Kustomization => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'app', namespace: 'apps' },
  spec: { interval: '1m', prune: true, sourceRef: { kind: 'GitRepository', name: 'repo' }, ...spec },
});

async function withTmp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-cli-build-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

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

void test(
  'buildLocal builds a private copy with the overlays and ignore rules, and leaves the user files alone',
  { skip: !existsSync(kustomizeBin) && 'kustomize is not provisioned' },
  async () => {
    await withTmp(async (root) => {
      await mkdir(path.join(root, '.git'));
      await mkdir(path.join(root, 'base'), { recursive: true });
      await mkdir(path.join(root, 'apps'), { recursive: true });
      await writeFile(
        path.join(root, 'base', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  a: "1"\n',
      );
      await writeFile(path.join(root, 'base', 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
      await writeFile(path.join(root, 'apps', 'kustomization.yaml'), 'resources:\n  - ../base\n  - local.yaml\n');
      await writeFile(
        path.join(root, 'apps', 'local.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n',
      );
      // No kustomization.yaml: one is generated from the files, and the artifact would leave the broken one out.
      await mkdir(path.join(root, 'plain'));
      await writeFile(
        path.join(root, 'plain', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
      );
      await writeFile(path.join(root, 'plain', 'broken.yaml'), 'not: [valid');
      await writeFile(path.join(root, '.sourceignore'), 'plain/broken.yaml\n');
      const warnings: string[] = [];
      const build = (dir: string, spec: Partial<Kustomization['spec']> = {}) =>
        buildLocal({
          ks: ks(spec),
          client: unreachableClient(),
          dir: path.join(root, dir),
          kustomizeBin,
          timeoutMs: 20_000,
          warn: (m) => warnings.push(m),
        });
      const overlay = await build('apps', { targetNamespace: 'prod', namePrefix: 'p-' });
      assert.deepEqual(
        overlay.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort(),
        ['prod/p-base', 'prod/p-local'],
        '../base resolves inside the checkout',
      );
      const plain = await build('plain');
      assert.deepEqual(
        plain.map((o) => o.metadata.name),
        ['plain'],
      );
      assert.deepEqual(
        (await readdir(path.join(root, 'plain'))).sort(),
        ['broken.yaml', 'cm.yaml'],
        'no kustomization.yaml written into the user files',
      );
      assert.deepEqual((await readdir(path.join(root, 'apps'))).sort(), ['kustomization.yaml', 'local.yaml']);
      assert.match(warnings.join('\n'), /could not read GitRepository apps\/repo for its spec.ignore/);
      await assert.rejects(
        buildLocal({
          ks: ks(),
          client: unreachableClient(),
          dir: path.join(root, 'nope'),
          kustomizeBin,
          timeoutMs: 20_000,
        }),
        /invalid resource path/,
      );
    });
  },
);
