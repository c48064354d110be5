import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  GitRepositorySchema,
  GitRepositorySpecSchema,
  GitRepositoryStatusSchema,
  gitRepositoryRef,
  gitRepositoryTimeoutMs,
} from './git-repository.ts';
import type { GitRepository, GitRepositorySpec } from './git-repository.ts';
import { InvalidDurationError } from './errors.ts';
import { isValid, schemaIssues, withDefaults } from './validate.ts';

// The basic-auth example of Flux's GitRepository documentation, plus an ignore block.
const docExample = parse(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: default
spec:
  interval: 5m0s
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
  secretRef:
    name: basic-access-auth
  ignore: |
    # exclude all
    /*
    # include deploy dir
    !/deploy
`) as GitRepository;

const validSpec: GitRepositorySpec = { url: 'ssh://git@github.com/org/repo', interval: '1m' };

void test("Flux's documented GitRepository validates", () => {
  assert.deepEqual(schemaIssues(GitRepositorySchema, docExample), []);
  assert.equal(gitRepositoryRef(docExample.spec).branch, 'master');
});

void test('the documented artifact status validates', () => {
  const status = parse(`
observedGeneration: 1
artifact:
  digest: sha256:95e386f421272710c4cedbbd8607dbbaa019d500e7a5a0b6720bc7bebefc7bf2
  lastUpdateTime: "2022-02-14T11:23:36Z"
  path: gitrepository/default/podinfo/132f4e719209eb10b9485302f8593fc0e680f4fc.tar.gz
  revision: master@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc
  size: 91318
  url: http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/132f4e719209eb10b9485302f8593fc0e680f4fc.tar.gz
conditions:
- type: Ready
  status: "True"
  reason: Succeeded
  message: "stored artifact for revision 'master@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc'"
  observedGeneration: 1
  lastTransitionTime: "2022-02-14T11:23:36Z"
`);
  assert.deepEqual(schemaIssues(GitRepositoryStatusSchema, status), []);
});

void test('spec validation rejects bad URLs, durations, enums and types', () => {
  const bad: Record<string, unknown>[] = [
    { ...validSpec, url: 'file:///etc' },
    { ...validSpec, url: 'git@github.com:org/repo.git' },
    { ...validSpec, interval: '-1s' },
    { ...validSpec, interval: '10' },
    { ...validSpec, timeout: '1d' },
    { ...validSpec, provider: 'gitlab' },
    { ...validSpec, suspend: 'yes' },
    { ...validSpec, secretRef: { name: '' } },
    { ...validSpec, verify: { mode: 'Commit', secretRef: { name: 'keys' } } },
    { ...validSpec, include: [{ fromPath: 'x' }] },
    { url: validSpec.url },
  ];
  for (const spec of bad) assert.equal(isValid(GitRepositorySpecSchema, spec), false, JSON.stringify(spec));
  assert.equal(isValid(GitRepositorySpecSchema, validSpec), true);
});

void test('schema defaults fill timeout and provider like the API server would', () => {
  const spec = withDefaults(GitRepositorySpecSchema, { ...validSpec, verify: { secretRef: { name: 'k' } } });
  assert.equal(spec.timeout, '60s');
  assert.equal(spec.provider, 'generic');
  assert.equal(spec.verify?.mode, 'HEAD');
  assert.equal(spec.ref, undefined, 'ref defaults in code, not in the schema');
});

void test('gitRepositoryRef defaults to branch master only when nothing is set', () => {
  assert.deepEqual(gitRepositoryRef({}), { branch: 'master' });
  assert.deepEqual(gitRepositoryRef({ ref: {} }), { branch: 'master' });
  assert.deepEqual(gitRepositoryRef({ ref: { tag: 'v1.0.0' } }), { tag: 'v1.0.0' });
  assert.deepEqual(gitRepositoryRef({ ref: { commit: 'abc', branch: 'main' } }), { commit: 'abc', branch: 'main' });
});

void test('gitRepositoryTimeoutMs defaults to 60 s and reports malformed values', () => {
  assert.equal(gitRepositoryTimeoutMs({}), 60_000);
  assert.equal(gitRepositoryTimeoutMs({ timeout: '2m' }), 120_000);
  assert.throws(
    () => gitRepositoryTimeoutMs({ timeout: 'soon' }),
    (e: unknown) => e instanceof InvalidDurationError && e.field === 'spec.timeout',
  );
});
