import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  HelmRepositorySchema,
  HelmRepositorySpecSchema,
  HelmRepositoryStatusSchema,
  helmRepositoryIntervalMs,
  helmRepositoryTimeoutMs,
  isOciHelmRepository,
} from './helm-repository.ts';
import type { HelmRepository, HelmRepositorySpec } from './helm-repository.ts';
import { InvalidDurationError } from './errors.ts';
import { refusedFields } from './field-support.ts';
import { isValid, schemaIssues, withDefaults } from './validate.ts';

// Flux's documented examples: an HTTP repository with credentials and an OCI one.
const httpExample = parse(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: podinfo, namespace: default }
spec:
  url: https://stefanprodan.github.io/podinfo
  interval: 5m0s
  timeout: 1m30s
  secretRef: { name: example-user }
  certSecretRef: { name: example-tls }
  passCredentials: true
  suspend: false
`) as HelmRepository;
const ociExample = parse(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: { name: podinfo, namespace: default }
spec:
  type: "oci"
  interval: 5m0s
  url: oci://ghcr.io/stefanprodan/charts
  insecure: true
  provider: generic
`) as HelmRepository;

const validSpec: HelmRepositorySpec = { url: 'https://charts.example.com' };

void test("Flux's documented HelmRepositories validate", () => {
  assert.deepEqual(schemaIssues(HelmRepositorySchema, httpExample), []);
  assert.deepEqual(schemaIssues(HelmRepositorySchema, ociExample), []);
  assert.equal(isOciHelmRepository(ociExample.spec), true);
  assert.equal(isOciHelmRepository(httpExample.spec), false);
  assert.equal(isOciHelmRepository({}), false, 'type defaults to default');
});

void test('the documented artifact status validates', () => {
  const status = parse(`
observedGeneration: 1
url: http://source-controller.source-system.svc.cluster.local./helmrepository/default/podinfo/index.yaml
artifact:
  digest: sha256:80bb3dd67c63095d985850459834ea727603727a370079de90d221191d375a86
  lastUpdateTime: "2022-02-04T09:55:58Z"
  path: helmrepository/default/podinfo/index-83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111.yaml
  revision: sha256:83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111
  size: 40898
  url: http://source-controller.flux-system.svc.cluster.local./helmrepository/default/podinfo/index-83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111.yaml
conditions:
- { type: Ready, status: "True", reason: Succeeded, observedGeneration: 1, lastTransitionTime: "2022-02-04T09:55:58Z",
    message: "stored artifact: revision 'sha256:83a3c595163a6ff0333e0154c790383b5be441b9db632cb36da11db1c4ece111'" }
`);
  assert.deepEqual(schemaIssues(HelmRepositoryStatusSchema, status), []);
});

void test('spec validation rejects bad URLs, durations, types and providers', () => {
  const bad: Record<string, unknown>[] = [
    { ...validSpec, url: 'file:///etc' },
    { ...validSpec, url: 'ssh://git@example.com/charts' },
    { ...validSpec, interval: '10' },
    { ...validSpec, timeout: '1h' },
    { ...validSpec, type: 'git' },
    { ...validSpec, provider: 'github' },
    { ...validSpec, suspend: 'yes' },
    { ...validSpec, accessFrom: {} },
    {},
  ];
  for (const spec of bad) assert.equal(isValid(HelmRepositorySpecSchema, spec), false, JSON.stringify(spec));
  assert.equal(isValid(HelmRepositorySpecSchema, validSpec), true);
});

void test('schema defaults fill provider only; type, timeout and interval default in code', () => {
  const spec = withDefaults(HelmRepositorySpecSchema, validSpec);
  assert.equal(spec.provider, 'generic');
  assert.equal(spec.type, undefined);
  assert.equal(helmRepositoryTimeoutMs(spec), 60_000);
  assert.equal(helmRepositoryIntervalMs(spec), 60_000, 'GetRequeueAfter: one minute when unset');
  assert.equal(helmRepositoryIntervalMs({ interval: '0s' }), 60_000, 'and when zero');
  assert.equal(helmRepositoryIntervalMs({ interval: '10m' }), 600_000);
  assert.equal(helmRepositoryTimeoutMs({ timeout: '90s' }), 90_000);
  assert.throws(
    () => helmRepositoryTimeoutMs({ timeout: 'soon' }),
    (e: unknown) => e instanceof InvalidDurationError && e.field === 'spec.timeout',
  );
});

void test('cloud providers are refused by name; generic, accessFrom and insecure are not', () => {
  assert.deepEqual(refusedFields('HelmRepository', httpExample), []);
  assert.deepEqual(refusedFields('HelmRepository', ociExample), []);
  const aws = refusedFields('HelmRepository', { spec: { ...ociExample.spec, provider: 'aws' } });
  assert.deepEqual(
    aws.map((r) => [r.path, r.value]),
    [['spec.provider', 'aws']],
  );
  const acl = { namespaceSelectors: [{ matchLabels: { team: 'a' } }] };
  assert.deepEqual(refusedFields('HelmRepository', { spec: { ...validSpec, accessFrom: acl } }), []);
});
