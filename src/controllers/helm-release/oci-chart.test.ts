import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ociChartVersion } from './oci-chart.ts';

const hex = 'cdd538a0167e4b51152b71a477e51eb6737553510ce8797dbcc537e1342311bb';

void test('a semver tag equal to the chart version: the digest prefix becomes build metadata', () => {
  assert.deepEqual(ociChartVersion('0.1.0', `0.1.0@sha256:${hex}`), {
    version: '0.1.0+cdd538a0167e',
    ociDigest: `sha256:${hex}`,
  });
  // Existing metadata is replaced; an OCI tag spells + as _; prerelease kept.
  assert.equal(
    ociChartVersion('1.2.3-rc.1+build', `1.2.3-rc.1_build@sha256:${hex}`).version,
    '1.2.3-rc.1+cdd538a0167e',
  );
  // Masterminds' lenient syntax: v prefix and missing patch are normalised.
  assert.equal(ociChartVersion('v1.2', `1.2.0@sha256:${hex}`).version, '1.2.0+cdd538a0167e');
});

void test('a digest revision, or a tag that is not semver, still tags the version with the digest', () => {
  assert.deepEqual(ociChartVersion('0.1.0', `sha256:${hex}`), {
    version: '0.1.0+cdd538a0167e',
    ociDigest: `sha256:${hex}`,
  });
  // helm-controller keeps the whole revision as the digest in this case.
  assert.deepEqual(ociChartVersion('0.1.0', `latest@sha256:${hex}`), {
    version: '0.1.0+cdd538a0167e',
    ociDigest: `latest@sha256:${hex}`,
  });
});

void test("a tag that is another version, a bad chart version or a short digest fail with helm-controller's messages", () => {
  assert.throws(() => ociChartVersion('0.1.0', `0.2.0@sha256:${hex}`), {
    message: 'artifact revision 0.2.0 does not match chart version 0.1.0',
  });
  assert.throws(() => ociChartVersion('not-a-version', `0.1.0@sha256:${hex}`), {
    message: 'invalid chart version not-a-version',
  });
  assert.throws(() => ociChartVersion('0.1.0', '0.1.0@sha256:abc'), {
    message: 'invalid artifact revision sha256:abc',
  });
});
