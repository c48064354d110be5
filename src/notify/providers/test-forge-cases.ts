// Contract-test rows of the commit-status forges: each request is validated against the forge's
// API description (GitHub: @octokit/openapi; others: the shapes in test-forge-shapes.ts).
import assert from 'node:assert/strict';
import { testSha } from '../alerts/test-events.ts';
import { documentedForgeOperations, githubStatusOperation, validate } from './test-forge-shapes.ts';
import type { ForgeOperation } from './test-forge-shapes.ts';
import { first, isError, PROVIDER_UID, TOKEN } from './test-provider-cases.ts';
import type { ProviderCase } from './test-provider-cases.ts';
import { jsonBody } from './test-server.ts';
import type { Recorded } from './test-server.ts';

/** Asserts method, path and body schema of the first request; returns the parsed body. */
export function checkForge(op: ForgeOperation, prefix: string, reqs: Recorded[]): Record<string, unknown> {
  const req = first(reqs);
  assert.equal(req.method, op.method);
  assert.ok(req.url.startsWith(prefix), `${req.url} starts with ${prefix}`);
  assert.match(req.url.slice(prefix.length), op.path);
  const body = jsonBody(req);
  assert.deepEqual(validate(op.body, body), [], `request body matches the documented schema: ${req.body}`);
  return body;
}

const ctx = `kustomization/webapp/0c9c2e41`;
let githubOp: ForgeOperation | undefined;
const forge = (name: string): ForgeOperation => {
  const op = documentedForgeOperations[name];
  assert.ok(op);
  return op;
};

/** The six forges. */
export const forgeCases: ProviderCase[] = [
  {
    type: 'github',
    config: (base) => ({ address: `${base}/stefan/podinfo.git`, token: TOKEN, providerUid: PROVIDER_UID }),
    ok: { status: 201, body: '{"id":1}' },
    check(reqs, event) {
      githubOp ??= githubStatusOperation();
      const req = first(reqs);
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(req.headers.accept, 'application/vnd.github+json');
      const body = checkForge(githubOp, '/api/v3', reqs);
      assert.equal(req.url, `/api/v3/repos/stefan/podinfo/statuses/${testSha}`);
      assert.deepEqual([body.state, body.context], [isError(event) ? 'failure' : 'success', ctx]);
    },
  },
  {
    type: 'gitlab',
    config: (base) => ({ address: `${base}/group/sub/podinfo.git`, token: TOKEN, providerUid: PROVIDER_UID }),
    ok: { status: 201, body: '{"id":1}' },
    check(reqs, event) {
      assert.equal(first(reqs).headers['private-token'], TOKEN);
      const body = checkForge(forge('gitlab'), '/api/v4', reqs);
      assert.equal(first(reqs).url, `/api/v4/projects/group%2Fsub%2Fpodinfo/statuses/${testSha}`);
      assert.deepEqual([body.state, body.name], [isError(event) ? 'failed' : 'success', ctx]);
    },
  },
  {
    type: 'gitea',
    config: (base) => ({ address: `${base}/stefan/podinfo`, token: TOKEN, providerUid: PROVIDER_UID }),
    ok: { status: 201, body: '{"id":1}' },
    check(reqs, event) {
      assert.equal(first(reqs).headers.authorization, `token ${TOKEN}`);
      const body = checkForge(forge('gitea'), '/api/v1', reqs);
      assert.deepEqual([body.state, body.context], [isError(event) ? 'failure' : 'success', ctx]);
    },
  },
  {
    type: 'bitbucket',
    config: () => ({ address: 'git@bitbucket.org:ws/podinfo.git', token: `bob:${TOKEN}`, providerUid: PROVIDER_UID }),
    fixedOrigin: 'https://api.bitbucket.org',
    ok: { status: 201, body: '{"key":"x"}' },
    check(reqs, event) {
      assert.equal(first(reqs).headers.authorization, `Basic ${Buffer.from(`bob:${TOKEN}`).toString('base64')}`);
      const body = checkForge(forge('bitbucket'), '', reqs);
      assert.equal(first(reqs).url, `/2.0/repositories/ws/podinfo/commit/${testSha}/statuses/build`);
      assert.deepEqual([body.state, body.name], [isError(event) ? 'FAILED' : 'SUCCESSFUL', ctx]);
      assert.match(String(body.key), /^[0-9a-f]{40}$/);
    },
  },
  {
    type: 'bitbucketserver',
    config: (base) => ({ address: `${base}/scm/PROJ/podinfo.git`, token: TOKEN, providerUid: PROVIDER_UID }),
    ok: { status: 204, body: '' },
    check(reqs, event) {
      assert.equal(first(reqs).headers.authorization, `Bearer ${TOKEN}`);
      const body = checkForge(forge('bitbucketserver'), '', reqs);
      assert.equal(body.state, isError(event) ? 'FAILED' : 'SUCCESSFUL');
      assert.ok(String(body.url).endsWith(`/projects/PROJ/repos/podinfo/commits/${testSha}`));
    },
  },
  {
    type: 'azuredevops',
    config: () => ({ address: 'https://dev.azure.com/org/proj/_git/podinfo', token: TOKEN, providerUid: PROVIDER_UID }),
    fixedOrigin: 'https://dev.azure.com',
    ok: { status: 200, body: '{"id":1}' },
    check(reqs, event) {
      assert.equal(first(reqs).headers.authorization, `Basic ${Buffer.from(`:${TOKEN}`).toString('base64')}`);
      const body = checkForge(forge('azuredevops'), '', reqs);
      assert.equal(body.state, isError(event) ? 'error' : 'succeeded');
      assert.deepEqual(body.context, { genre: 'fluxcd', name: ctx });
    },
  },
];
