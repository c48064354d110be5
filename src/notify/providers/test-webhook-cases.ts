// Contract-test rows of zulip, zoom, incident.io and githubdispatch (the last validated against
// GitHub's OpenAPI description in @octokit/openapi).
import assert from 'node:assert/strict';
import type { FluxEvent } from '../event.ts';
import { testSha } from '../alerts/test-events.ts';
import { checkForge } from './test-forge-cases.ts';
import { githubOperation } from './test-forge-shapes.ts';
import { first, HOOK_SECRET, isError, TOKEN } from './test-provider-cases.ts';
import type { ProviderCase } from './test-provider-cases.ts';
import { jsonBody } from './test-server.ts';

const revisionKey = 'kustomize.toolkit.fluxcd.io/revision';

/** The webhook-style providers added after the first set. */
export const webhookCases: ProviderCase[] = [
  {
    type: 'zulip',
    config: (base) => ({
      address: `${base}/ignored/path`,
      channel: 'ops/flux',
      username: 'bot@zulip',
      password: TOKEN,
    }),
    check(reqs, event: FluxEvent) {
      const req = first(reqs);
      assert.equal(req.url, '/api/v1/messages');
      assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(req.headers.authorization, `Basic ${Buffer.from(`bot@zulip:${TOKEN}`).toString('base64')}`);
      const form = new URLSearchParams(req.body);
      assert.deepEqual([form.get('type'), form.get('to'), form.get('topic')], ['stream', 'ops', 'flux']);
      const icon = isError(event) ? '⚠️' : 'ℹ️';
      assert.equal(
        form.get('content'),
        `## Flux Status\n\n${icon} Kustomization/apps/webapp\n\n${event.message}\n\nMetadata:\n* \`${revisionKey}\`: main@sha1:${testSha}\n`,
      );
    },
  },
  {
    type: 'zoom',
    config: (base) => ({ address: `${base}/v2/im/chat/webhooks/${HOOK_SECRET}`, token: TOKEN }),
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, `/v2/im/chat/webhooks/${HOOK_SECRET}?format=full`);
      assert.equal(req.headers.authorization, TOKEN);
      assert.deepEqual(jsonBody(req), {
        content: {
          head: { text: 'kustomization/webapp.apps', sub_head: { text: event.severity } },
          body: [
            { type: 'message', text: event.message },
            { type: 'fields', items: [{ key: revisionKey, value: `main@sha1:${testSha}` }] },
          ],
        },
      });
    },
  },
  {
    type: 'incident.io',
    config: (base) => ({ address: `${base}/v2/alert_events/http/${HOOK_SECRET}`, token: TOKEN }),
    ok: { status: 202, body: '{"status":"success"}' },
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(jsonBody(req), {
        title: `kustomization/webapp.apps: ${event.reason}`,
        status: isError(event) ? 'firing' : 'resolved',
        deduplication_key: event.involvedObject.uid,
        description: event.message,
        metadata: {
          [revisionKey]: `main@sha1:${testSha}`,
          severity: event.severity,
          reason: event.reason,
          reportingController: 'kustomize-controller',
        },
      });
    },
  },
  {
    type: 'githubdispatch',
    config: (base) => ({ address: `${base}/stefan/podinfo.git`, token: TOKEN }),
    ok: { status: 204, body: '' },
    check(reqs, event) {
      const op = githubOperation('POST', '/repos/{owner}/{repo}/dispatches', /^\/repos\/stefan\/podinfo\/dispatches$/);
      const req = first(reqs);
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      const body = checkForge(op, '/api/v3', reqs);
      assert.deepEqual(body, { event_type: 'Kustomization/webapp.apps', client_payload: event });
    },
  },
];
