import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectChartVersion } from '../../sources/helm-repository/repo-index.ts';
import { ociChartIndex, tagOfChartUrl } from './oci-chart.ts';

void test('the tags of an OCI chart are its versions (_ read as +), each URL naming its tag', () => {
  const index = ociChartIndex('oci://127.0.0.1:5000/charts/', 'app', ['0.1.0', '0.2.0_build.1', 'latest']);
  assert.deepEqual(index.entries['app']?.[1], {
    name: 'app',
    version: '0.2.0+build.1',
    urls: ['oci://127.0.0.1:5000/charts/app:0.2.0_build.1'],
  });
  // Version selection is the HTTP repository's: semver ranges, non-semver tags ignored.
  assert.equal(selectChartVersion(index, 'app', '0.1.x').version, '0.1.0');
  assert.equal(selectChartVersion(index, 'app', '*').version, '0.2.0+build.1');
  assert.equal(tagOfChartUrl('oci://127.0.0.1:5000/charts/app:0.2.0_build.1'), '0.2.0_build.1');
});
