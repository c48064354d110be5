// Per-provider expectations for the shared contract test: configuration against a local server and
// the documented request shape of each service.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { FluxEvent } from '../event.ts';
import { testSha } from '../alerts/test-events.ts';
import { jsonBody } from './test-server.ts';
import type { Recorded, Reply } from './test-server.ts';
import type { ProviderConfig, ProviderType } from './types.ts';

/** The token every case uses; the contract test checks it never leaks. */
export const TOKEN = 'tok-SECRET-7f3a9c1d2e4b5a6f';
/** A webhook path segment that is itself a secret. */
export const HOOK_SECRET = 'hookSECRETabcdef0123456789';
export const PROVIDER_UID = '0c9c2e41-aaaa-bbbb-cccc-123456789012';

/** One row of the contract table. */
export interface ProviderCase {
  type: ProviderType;
  config: (base: string) => Omit<ProviderConfig, 'type'>;
  /** For fixed SaaS hosts: this origin is rewritten to the local server by the test's fetch. */
  fixedOrigin?: string;
  /** A successful answer of the real service. */
  ok?: { status: number; body: string };
  /** Requests one event produces (default 1). */
  requests?: (event: FluxEvent) => number;
  /** Adapts the shared events (e.g. adds the metadata the provider needs). */
  prepare?: (event: FluxEvent) => FluxEvent;
  /** Per-request answers of a service that needs more than one request (the others get `ok`). */
  route?: (req: Recorded) => Reply | undefined;
  /** Secrets (besides TOKEN) that must not show in errors. */
  secrets?: string[];
  check: (reqs: Recorded[], event: FluxEvent) => void;
}

const title = 'kustomization/webapp.apps';
export const first = (reqs: Recorded[]): Recorded => {
  assert.ok(reqs[0], 'a request was sent');
  return reqs[0];
};
export const isError = (e: FluxEvent) => e.severity === 'error';

function checkSlack(reqs: Recorded[], event: FluxEvent): Record<string, unknown> {
  const req = first(reqs);
  assert.equal(req.method, 'POST');
  assert.match(String(req.headers['content-type']), /^application\/json/);
  const body = jsonBody(req);
  assert.equal(body.username, 'kustomize-controller');
  const [att] = body.attachments as Record<string, unknown>[];
  assert.equal(att?.color, isError(event) ? 'danger' : 'good');
  assert.equal(att?.author_name, title);
  assert.equal(att?.text, event.message);
  assert.deepEqual(att?.mrkdwn_in, ['text']);
  const fields = att?.fields as { title: string; value: string; short: boolean }[];
  assert.ok(fields.some((f) => f.title.endsWith('revision') && f.value === `main@sha1:${testSha}` && !f.short));
  return body;
}

/** The chat, webhook and incident providers (the forges are in test-forge-cases.ts). */
export const messageCases: ProviderCase[] = [
  {
    type: 'generic',
    config: (base) => ({ address: `${base}/hook`, headers: { 'X-Api-Key': 'hdrSECRETvalue123' } }),
    secrets: ['hdrSECRETvalue123'],
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, '/hook');
      assert.equal(req.headers['gotk-component'], 'kustomize-controller');
      assert.equal(req.headers['x-api-key'], 'hdrSECRETvalue123');
      assert.deepEqual(jsonBody(req), { ...event, metadata: event.metadata });
    },
  },
  {
    type: 'generic-hmac',
    config: (base) => ({ address: `${base}/hook`, token: TOKEN }),
    check(reqs) {
      const req = first(reqs);
      const want = `sha256=${createHmac('sha256', TOKEN).update(req.body).digest('hex')}`;
      assert.equal(req.headers['x-signature'], want);
      assert.equal(req.headers['gotk-component'], 'kustomize-controller');
    },
  },
  {
    type: 'slack',
    config: (base) => ({ address: `${base}/services/T000/B000/${HOOK_SECRET}` }),
    ok: { status: 200, body: 'ok' },
    secrets: [HOOK_SECRET],
    check: (reqs, event) => void checkSlack(reqs, event),
  },
  {
    type: 'discord',
    config: (base) => ({ address: `${base}/api/webhooks/1234/${HOOK_SECRET}` }),
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      assert.equal(first(reqs).url, `/api/webhooks/1234/${HOOK_SECRET}/slack`);
      checkSlack(reqs, event);
    },
  },
  {
    type: 'rocket',
    config: (base) => ({ address: `${base}/hooks/abc/${HOOK_SECRET}` }),
    secrets: [HOOK_SECRET],
    check: (reqs, event) => void checkSlack(reqs, event),
  },
  {
    type: 'msteams',
    config: (base) => ({
      address: `${base}/workflows/${HOOK_SECRET}/triggers/manual/paths/invoke?sig=${HOOK_SECRET}x`,
    }),
    ok: { status: 202, body: '' },
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      const body = jsonBody(first(reqs));
      assert.equal(body.type, 'message');
      const [att] = body.attachments as { contentType: string; content: Record<string, unknown> }[];
      assert.equal(att?.contentType, 'application/vnd.microsoft.card.adaptive');
      assert.equal(att?.content.type, 'AdaptiveCard');
      assert.equal(att?.content.version, '1.4');
      const [container] = att?.content.body as { type: string; items: Record<string, unknown>[] }[];
      assert.equal(container?.type, 'Container');
      const [heading, message, facts] = container?.items ?? [];
      assert.deepEqual([heading?.type, heading?.text], ['TextBlock', title]);
      assert.deepEqual([message?.text, message?.color], [event.message, isError(event) ? 'Attention' : undefined]);
      assert.equal(facts?.type, 'FactSet');
    },
  },
  {
    type: 'googlechat',
    config: (base) => ({ address: `${base}/v1/spaces/AAAA/messages?key=${HOOK_SECRET}&token=${HOOK_SECRET}2` }),
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      const body = jsonBody(first(reqs));
      const [card] = body.cardsV2 as { cardId: string; card: Record<string, unknown> }[];
      assert.equal(card?.cardId, 'flux-event');
      assert.deepEqual(card?.card.header, { title, subtitle: 'kustomize-controller' });
      const [text, meta] = card?.card.sections as { widgets: Record<string, Record<string, string>>[] }[];
      const paragraph = text?.widgets[0]?.textParagraph?.text ?? '';
      assert.ok(paragraph.includes(event.message));
      assert.equal(paragraph.includes('#ff0000'), isError(event));
      assert.ok(meta?.widgets.some((w) => w.decoratedText?.text === `main@sha1:${testSha}`));
    },
  },
  {
    type: 'webex',
    config: (base) => ({ address: `${base}/v1/messages`, token: TOKEN, channel: 'Y2lzY29zcGFyazovL3Vz' }),
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, '/v1/messages');
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      const body = jsonBody(req);
      assert.equal(body.roomId, 'Y2lzY29zcGFyazovL3Vz');
      assert.ok(String(body.markdown).includes(`**${title}**`) && String(body.markdown).includes(event.message));
    },
  },
  {
    type: 'telegram',
    config: (base) => ({ address: base, token: TOKEN, channel: '-1001234567890:42' }),
    ok: { status: 200, body: '{"ok":true,"result":{}}' },
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, `/bot${TOKEN}/sendMessage`);
      const body = jsonBody(req);
      assert.deepEqual([body.chat_id, body.message_thread_id, body.parse_mode], ['-1001234567890', 42, 'HTML']);
      assert.ok(String(body.text).startsWith('<b>') && String(body.text).includes(event.message));
    },
  },
  {
    type: 'matrix',
    config: (base) => ({ address: base, token: TOKEN, channel: '!room:example.org' }),
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.method, 'PUT');
      assert.match(
        req.url,
        /^\/_matrix\/client\/v3\/rooms\/!room%3Aexample\.org\/send\/m\.room\.message\/[0-9a-f]{40}$/,
      );
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      const body = jsonBody(req);
      assert.equal(body.msgtype, 'm.text');
      assert.ok(String(body.body).includes(title) && String(body.body).includes(event.message));
    },
  },
  {
    type: 'lark',
    config: (base) => ({ address: `${base}/open-apis/bot/v2/hook/${HOOK_SECRET}` }),
    ok: { status: 200, body: '{"code":0,"msg":"success"}' },
    secrets: [HOOK_SECRET],
    check(reqs, event) {
      const body = jsonBody(first(reqs));
      assert.equal(body.msg_type, 'interactive');
      const card = body.card as { header: { template: string; title: { content: string } }; elements: unknown[] };
      assert.equal(card.header.template, isError(event) ? 'red' : 'turquoise');
      assert.ok(card.header.title.content.endsWith(title));
      assert.equal(card.elements.length, 1);
    },
  },
  {
    type: 'alertmanager',
    config: (base) => ({ address: `${base}/api/v2/alerts`, token: TOKEN }),
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, '/api/v2/alerts');
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      const alerts = JSON.parse(req.body) as { labels: Record<string, string>; annotations: Record<string, string> }[];
      assert.equal(alerts.length, 1);
      const [a] = alerts;
      assert.equal(
        a?.labels.alertname,
        'FluxKustomization' + (isError(event) ? 'Healthcheckfailed' : 'Reconciliationsucceeded'),
      );
      assert.equal(a?.labels.severity, event.severity);
      assert.equal(a?.annotations.message, event.message);
      for (const name of Object.keys(a?.labels ?? {})) assert.match(name, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
      assert.equal((a as Record<string, unknown> | undefined)?.startsAt, event.timestamp);
    },
  },
  {
    type: 'grafana',
    config: (base) => ({ address: `${base}/api/annotations`, username: 'admin', password: 'pwSECRET12345' }),
    secrets: ['pwSECRET12345'],
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('admin:pwSECRET12345').toString('base64')}`);
      const body = jsonBody(req);
      assert.equal(body.time, Date.parse(event.timestamp));
      assert.deepEqual((body.tags as string[]).slice(0, 2), ['flux', 'kustomize-controller']);
      assert.ok(String(body.text).startsWith(title));
    },
  },
  {
    type: 'opsgenie',
    config: (base) => ({ address: `${base}/v2/alerts`, token: TOKEN, providerUid: PROVIDER_UID }),
    ok: { status: 202, body: '{"result":"Request will be processed"}' },
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.headers.authorization, `GenieKey ${TOKEN}`);
      const body = jsonBody(req);
      assert.equal(body.message, 'Kustomization/webapp');
      assert.match(String(body.alias), /^[0-9a-f]{64}$/);
      assert.equal(body.description, event.message);
      assert.equal((body.details as Record<string, string>).severity, event.severity);
    },
  },
  {
    type: 'pagerduty',
    config: (base) => ({ address: base, channel: 'routingKEY0123456789abcdef' }),
    ok: { status: 202, body: '{"status":"success"}' },
    secrets: ['routingKEY0123456789abcdef'],
    requests: (e) => (isError(e) ? 1 : 2),
    check(reqs, event) {
      const [enqueue, change] = reqs;
      assert.equal(enqueue?.url, '/v2/enqueue');
      const body = jsonBody(enqueue);
      assert.equal(body.routing_key, 'routingKEY0123456789abcdef');
      assert.equal(body.dedup_key, event.involvedObject.uid);
      if (isError(event)) {
        assert.equal(body.event_action, 'trigger');
        const payload = body.payload as Record<string, string>;
        assert.deepEqual([payload.severity, payload.source], ['error', 'Flux kustomize-controller']);
        assert.ok(payload.summary);
      } else {
        assert.equal(body.event_action, 'resolve');
        assert.equal(change?.url, '/v2/change/enqueue');
        assert.ok((jsonBody(change).payload as Record<string, string>).summary);
      }
    },
  },
  {
    type: 'sentry',
    config: (base) => ({ address: base.replace('//', '//pubKEY0123456789abcdef@') + '/42', channel: 'prod' }),
    secrets: ['pubKEY0123456789abcdef'],
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, '/api/42/envelope/');
      assert.equal(req.headers['content-type'], 'application/x-sentry-envelope');
      assert.match(
        String(req.headers['x-sentry-auth']),
        /^Sentry sentry_version=7, sentry_key=pubKEY0123456789abcdef,/,
      );
      const [header, item, payload] = req.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.match(String(header?.event_id), /^[0-9a-f]{32}$/);
      assert.equal(item?.type, isError(event) ? 'event' : 'transaction');
      assert.equal(payload?.event_id, header?.event_id);
      assert.equal(payload?.environment, 'prod');
      if (isError(event)) assert.deepEqual(payload?.message, { formatted: event.message });
      else assert.equal(payload?.transaction, 'Kustomization: apps/webapp');
    },
  },
  {
    type: 'datadog',
    config: (base) => ({ address: base, token: TOKEN }),
    ok: { status: 202, body: '{"status":"ok"}' },
    check(reqs, event) {
      const req = first(reqs);
      assert.equal(req.url, '/api/v1/events');
      assert.equal(req.headers['dd-api-key'], TOKEN);
      const body = jsonBody(req);
      assert.equal(body.alert_type, event.severity);
      assert.equal(body.text, event.message);
      assert.equal(body.source_type_name, 'fluxcd');
      assert.ok((body.tags as string[]).includes('kube_name:webapp'));
    },
  },
];
