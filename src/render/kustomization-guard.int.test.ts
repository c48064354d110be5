// What the guard lets through really builds with the real kustomize (built by scripts/provision.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildKustomization } from './kustomize-build.ts';
import { makeTree, provisionedKustomize } from './test-fixtures.ts';

void test(
  'builtin plugin configs pass the check and build',
  { skip: provisionedKustomize() ? false : 'kustomize not provisioned' },
  async () => {
    const fx = await makeTree({
      'kustomization.yaml': 'resources: [cm.yaml]\ntransformers: [labels.yaml]\n',
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'labels.yaml':
        'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  added: "yes"\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n',
    });
    try {
      const result = await buildKustomization({ root: fx.root, kustomizeBin: provisionedKustomize() ?? '' });
      assert.equal(result.objects[0]?.metadata.labels?.['added'], 'yes');
    } finally {
      await fx.cleanup();
    }
  },
);
