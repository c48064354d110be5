import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { deployFiles } from './deploy-files.ts';

const root = path.resolve(import.meta.dirname, '../..');

test('deploy/chart and deploy/kustomize are generated from the install manifests and current', () => {
  for (const [rel, content] of Object.entries(deployFiles()))
    assert.equal(
      readFileSync(path.join(root, 'deploy', rel), 'utf8'),
      content,
      `deploy/${rel} is stale: node --import tsx -e "import('./src/install/deploy-files.ts').then(m => m.writeDeployFiles())"`,
    );
});
