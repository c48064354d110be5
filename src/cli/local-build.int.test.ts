// `driftless build` on a local checkout with the real kustomize (built by scripts/provision.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Kustomization } from '../api/kustomization.ts';
import { buildLocal } from './local-build.ts';
import { testKustomization as ks, unreachableClient, withTmp } from './test-support.ts';

const kustomizeBin = path.join(homedir(), '.cache', 'driftless', 'bin', 'kustomize');

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
