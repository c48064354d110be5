import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '../alerts/test-events.ts';
import { alertmanagerPayload, labelName } from './alertmanager.ts';
import { reasonWords, truncate } from './format.ts';
import { grafanaPayload } from './grafana.ts';
import { isLegacyTeamsHost, teamsMessageCard } from './msteams.ts';
import { createNotifier } from './registry.ts';
import { parseSentryDsn } from './sentry.ts';
import { telegramPayload } from './telegram.ts';
import { startRecordingServer } from './test-server.ts';

void test('Teams: *.webhook.office.com gets the legacy MessageCard, red for errors', () => {
  assert.equal(isLegacyTeamsHost('contoso.webhook.office.com'), true);
  assert.equal(isLegacyTeamsHost('prod-42.westeurope.logic.azure.com'), false);
  const card = teamsMessageCard(makeEvent({ severity: 'error', metadata: { b: '2', a: '1' } }));
  assert.equal(card['@type'], 'MessageCard');
  assert.equal(card.themeColor, 'FF0000');
  assert.deepEqual((card.sections as { facts: unknown[] }[])[0]?.facts, [
    { name: 'a', value: '1' },
    { name: 'b', value: '2' },
  ]);
});

void test('Telegram: chat and topic come from the channel; HTML is escaped', () => {
  const event = makeEvent({ message: 'a <b> & c', metadata: {} });
  assert.deepEqual(telegramPayload(event, '@flux_alerts'), {
    chat_id: '@flux_alerts',
    text: '<b>💫 kustomization/webapp.apps</b>\na &lt;b&gt; &amp; c',
    parse_mode: 'HTML',
  });
  assert.equal(telegramPayload(event, '-1001:7').message_thread_id, 7);
  assert.equal(telegramPayload(event, '-1001:7').chat_id, '-1001');
});

void test('Alertmanager: label names are sanitised, summary becomes an annotation', () => {
  assert.equal(labelName('app.kubernetes.io/name'), 'app_kubernetes_io_name');
  assert.equal(labelName('1st'), '_1st');
  const [alert] = alertmanagerPayload(
    makeEvent({ metadata: { summary: 'prod cluster', 'team.name': 'web', empty: '' } }),
  );
  assert.deepEqual(alert?.annotations, { message: makeEvent().message, summary: 'prod cluster' });
  const labels = alert?.labels as Record<string, string>;
  assert.equal(labels.team_name, 'web');
  assert.equal('empty' in labels, false);
  assert.equal(labels.alertname, 'FluxKustomizationReconciliationsucceeded');
});

void test('Grafana: colons in tags are replaced as Flux does', () => {
  const tags = grafanaPayload(makeEvent({ metadata: { revision: 'main@sha1:abc' } })).tags as string[];
  assert.ok(tags.includes('revision: main@sha1|abc'));
});

void test('Sentry: DSNs with a path prefix map to the envelope endpoint', () => {
  const dsn = (address: string) => parseSentryDsn({ type: 'sentry', address });
  assert.deepEqual(dsn('https://abc@o1.ingest.sentry.io/123'), {
    envelopeUrl: 'https://o1.ingest.sentry.io/api/123/envelope/',
    publicKey: 'abc',
  });
  assert.equal(
    dsn('https://abc@sentry.corp/tools/sentry/7').envelopeUrl,
    'https://sentry.corp/tools/sentry/api/7/envelope/',
  );
});

void test('Discord keeps an existing /slack suffix; Datadog accepts a full events URL', async (t) => {
  const server = await startRecordingServer(t);
  await createNotifier({ type: 'discord', address: `${server.url}/api/webhooks/1/abc/slack/` }).post(makeEvent());
  await createNotifier({ type: 'datadog', address: `${server.url}/api/v1/events`, token: 'k' }).post(makeEvent());
  assert.deepEqual(
    server.requests.map((r) => r.url),
    ['/api/webhooks/1/abc/slack/', '/api/v1/events'],
  );
});

void test('format helpers', () => {
  assert.equal(reasonWords('ReconciliationSucceeded'), 'reconciliation succeeded');
  assert.equal(reasonWords('HTTPRequestFailed'), 'http request failed');
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('😀😀😀', 3), '😀😀😀', 'counts code points, not UTF-16 units');
});
