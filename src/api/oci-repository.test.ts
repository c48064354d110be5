import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  OCIRepositorySchema,
  OCIRepositorySpecSchema,
  ociLayerOperation,
  ociRepositoryTimeoutMs,
  type OCIRepository,
  type OCIRepositorySpec,
} from './oci-repository.ts';
import { InvalidDurationError } from './errors.ts';
import { isValid, schemaIssues, withDefaults } from './validate.ts';

// The layer-selector example of Flux's OCIRepository documentation.
const docExample = parse(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: oci://ghcr.io/stefanprodan/manifests/podinfo
  ref:
    tag: latest
  layerSelector:
    mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    operation: copy
`) as OCIRepository;

const validSpec: OCIRepositorySpec = { url: 'oci://ghcr.io/org/app', interval: '1m' };

void test("Flux's documented OCIRepository validates", () => {
  assert.deepEqual(schemaIssues(OCIRepositorySchema, docExample), []);
  assert.equal(ociLayerOperation(docExample.spec), 'copy');
  assert.equal(ociLayerOperation(validSpec), 'extract');
});

void test('spec validation rejects bad URLs, durations, enums and types', () => {
  const bad: Record<string, unknown>[] = [
    { ...validSpec, url: 'https://ghcr.io/org/app' },
    { ...validSpec, interval: '10' },
    // Flux's OCIRepository timeout has no hours.
    { ...validSpec, timeout: '1h' },
    { ...validSpec, provider: 'quay' },
    { ...validSpec, layerSelector: { operation: 'move' } },
    { ...validSpec, verify: { provider: 'gpg' } },
    { ...validSpec, insecure: 'yes' },
    { url: validSpec.url },
  ];
  for (const spec of bad) assert.equal(isValid(OCIRepositorySpecSchema, spec), false, JSON.stringify(spec));
  assert.equal(isValid(OCIRepositorySpecSchema, validSpec), true);
});

void test('spec.timeout defaults to 60s and spec.interval parses as a Go duration', () => {
  const spec = withDefaults(OCIRepositorySpecSchema, { ...validSpec });
  assert.equal(spec.timeout, '60s');
  assert.equal(spec.provider, 'generic');
  assert.equal(ociRepositoryTimeoutMs({}), 60_000);
  assert.equal(ociRepositoryTimeoutMs({ timeout: '1m30s' }), 90_000);
  assert.throws(() => ociRepositoryTimeoutMs({ timeout: 'soon' }), InvalidDurationError);
});
