import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ImageUser, installImage, readImageRecord, type ImageRecord } from './image.ts';
import { installManifests } from './manifests.ts';

const record: ImageRecord = {
  version: '0.1.0',
  digest: `sha256:${'a'.repeat(64)}`,
  revision: 'abc',
  created: '2026-01-01T00:00:00Z',
  size: 1,
  layout: '.image/oci',
};

test('install references the built image by digest when the build is of this version', () => {
  assert.deepEqual(installImage('0.1.0', record), { image: `driftless:0.1.0@${record.digest}` });
  assert.deepEqual(installImage('0.1.0', { ...record, repository: 'registry.example/ops/driftless' }), {
    image: `registry.example/ops/driftless:0.1.0@${record.digest}`,
  });
});

test('without a build of this version, install falls back to the tag and says why', () => {
  const none = installImage('0.1.0', undefined);
  assert.equal(none.image, 'driftless:0.1.0');
  assert.match(none.note ?? '', /no image built/);
  const older = installImage('0.2.0', record);
  assert.equal(older.image, 'driftless:0.2.0');
  assert.match(older.note ?? '', /version 0\.1\.0, not 0\.2\.0/);
});

test('a missing or malformed build record reads as none', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'driftless-image-record-'));
  assert.equal(readImageRecord(root), undefined);
  await mkdir(path.join(root, '.image'));
  await writeFile(path.join(root, '.image/image.json'), '{"version":"0.1.0","digest":"sha256:nope"}');
  assert.equal(readImageRecord(root), undefined);
  await writeFile(path.join(root, '.image/image.json'), JSON.stringify(record));
  assert.deepEqual(readImageRecord(root), record);
});

test('the Deployment runs as the image user and refuses root; root is only ever a user override', () => {
  for (const d of installManifests({ version: '0.1.0' }).filter((o) => o.kind === 'Deployment')) {
    const pod = (d['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
    assert.deepEqual(
      { ...(pod['securityContext'] as object) },
      {
        runAsNonRoot: true,
        runAsUser: ImageUser,
        runAsGroup: ImageUser,
        fsGroup: ImageUser,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    );
    const [container] = pod['containers'] as { securityContext: { runAsNonRoot: boolean } }[];
    assert.equal(container?.securityContext.runAsNonRoot, true);
  }
});
