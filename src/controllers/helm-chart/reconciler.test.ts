import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HelmChart } from '../../api/helm-chart.ts';
import { indexUrlOf } from '../../sources/helm-repository/repo-index.ts';
import { buildSummary, versionMetadata } from './build-naming.ts';

const chart = (spec: Partial<HelmChart['spec']>, generation = 3): HelmChart => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmChart',
  metadata: { name: 'c', namespace: 'ns', generation },
  spec: { chart: './charts/app', interval: '1m', sourceRef: { kind: 'GitRepository', name: 'repo' }, ...spec },
});
const rev = 'main@sha1:0123456789abcdef0123456789abcdef01234567';

void test("build metadata: Revision strategy adds the commit's first 12 hex digits, values files the generation", () => {
  assert.equal(versionMetadata(chart({}), rev), '');
  assert.equal(versionMetadata(chart({ reconcileStrategy: 'Revision' }), rev), '0123456789ab');
  assert.equal(
    versionMetadata(chart({ reconcileStrategy: 'Revision', valuesFiles: ['a.yaml'] }), rev),
    '0123456789ab.3',
  );
  assert.equal(versionMetadata(chart({ valuesFiles: ['a.yaml'] }), rev), '3');
  // Revision applies to Git and Bucket sources only: a repository chart is immutable per version.
  const fromRepo = chart({ reconcileStrategy: 'Revision', sourceRef: { kind: 'HelmRepository', name: 'r' } });
  assert.equal(versionMetadata(fromRepo, 'sha256:abc'), '');
  // A Bucket's revision is a digest: its first 12 hex digits.
  const fromBucket = chart({ reconcileStrategy: 'Revision', sourceRef: { kind: 'Bucket', name: 'b' } });
  assert.equal(versionMetadata(fromBucket, `sha256:${'fedcba9876543210'.repeat(4)}`), 'fedcba987654');
});

void test("the build summary is source-controller's", () => {
  assert.equal(
    buildSummary({ name: 'app', version: '1.0.0', packaged: false, valuesFiles: [] }),
    "pulled 'app' chart with version '1.0.0'",
  );
  assert.equal(
    buildSummary({ name: 'app', version: '1.0.0+2', packaged: true, valuesFiles: ['values.yaml', 'prod.yaml'] }),
    "packaged 'app' chart with version '1.0.0+2' and merged values files [values.yaml prod.yaml]",
  );
});

void test('the index URL is joined below the repository path', () => {
  assert.equal(indexUrlOf('https://charts.example.com'), 'https://charts.example.com/index.yaml');
  assert.equal(indexUrlOf('https://charts.example.com/sub/'), 'https://charts.example.com/sub/index.yaml');
  assert.equal(indexUrlOf('http://127.0.0.1:8080/a?x=1'), 'http://127.0.0.1:8080/a/index.yaml?x=1');
});
