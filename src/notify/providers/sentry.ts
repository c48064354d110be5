// Sentry: the envelope endpoint of the project in the DSN; errors become events, info events become
// transactions (Flux's "span" events), so deployments show up on Sentry's performance timeline.
import { createHash, randomBytes } from 'node:crypto';
import type { FluxEvent } from '../event.ts';
import { invalidConfig } from './errors.ts';
import { sortedMetadata } from './format.ts';
import { requestNotifier } from './http.ts';
import type { NotifierFactory, ProviderConfig } from './types.ts';

/** The parts of a DSN `https://<public key>@<host>[/<path>]/<project id>`. */
export interface SentryDsn {
  envelopeUrl: string;
  publicKey: string;
}

/** Parses a DSN; throws `InvalidProviderConfig` (without echoing it) when it is not one. */
export function parseSentryDsn(cfg: ProviderConfig): SentryDsn {
  let url: URL | undefined;
  try {
    url = new URL(cfg.address);
  } catch {
    url = undefined;
  }
  const parts = url?.pathname.split('/').filter(Boolean) ?? [];
  const projectId = parts.pop();
  if (!url || !/^https?:$/.test(url.protocol) || !url.username || !projectId) {
    throw invalidConfig(cfg.type, 'the address must be a Sentry DSN like https://<key>@<host>/<project id>');
  }
  const prefix = parts.length > 0 ? `/${parts.join('/')}` : '';
  return {
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/`,
    publicKey: decodeURIComponent(url.username),
  };
}

function tags(event: FluxEvent): Record<string, string> {
  const o = event.involvedObject;
  return {
    flux_involved_object_kind: o.kind,
    flux_involved_object_namespace: o.namespace,
    flux_involved_object_name: o.name,
    flux_reporting_controller: event.reportingController,
    flux_reporting_instance: event.reportingInstance,
    flux_reason: event.reason,
  };
}

/** The envelope item (header and payload) for one event; `id` is the 32-hex event ID. */
export function sentryItem(event: FluxEvent, id: string, environment: string | undefined): [object, object] {
  const o = event.involvedObject;
  const common = {
    event_id: id,
    timestamp: event.timestamp,
    platform: 'other',
    ...(environment ? { environment } : {}),
    server_name: event.reportingInstance,
  };
  if (event.severity === 'error') {
    return [
      { type: 'event' },
      {
        ...common,
        level: 'error',
        logger: event.reportingController,
        message: { formatted: event.message },
        tags: tags(event),
        extra: Object.fromEntries(sortedMetadata(event)),
      },
    ];
  }
  // A zero-length transaction with one span carrying the event, keyed by a trace ID derived from the object.
  const traceId = createHash('sha256')
    .update(o.uid || `${o.kind}/${o.namespace}/${o.name}`)
    .digest('hex')
    .slice(0, 32);
  const spanId = id.slice(0, 16);
  const spanTags = { ...tags(event), ...Object.fromEntries(sortedMetadata(event)) };
  return [
    { type: 'transaction' },
    {
      ...common,
      type: 'transaction',
      transaction: `${o.kind}: ${o.namespace}/${o.name}`,
      start_timestamp: event.timestamp,
      message: event.message,
      tags: spanTags,
      contexts: { trace: { trace_id: traceId, span_id: spanId, op: 'event', status: 'ok' } },
      spans: [
        {
          trace_id: traceId,
          span_id: randomBytes(8).toString('hex'),
          parent_span_id: spanId,
          op: 'event',
          description: event.message,
          start_timestamp: event.timestamp,
          timestamp: event.timestamp,
          tags: spanTags,
        },
      ],
    },
  ];
}

/** Sentry notifier; `address` is the DSN, `channel` the optional environment. */
export const sentry: NotifierFactory = (cfg) => {
  const dsn = parseSentryDsn(cfg);
  const auth = `Sentry sentry_version=7, sentry_key=${dsn.publicKey}, sentry_client=driftless/1.0`;
  return requestNotifier(
    cfg,
    (event) => {
      const id = randomBytes(16).toString('hex');
      const [itemHeader, payload] = sentryItem(event, id, cfg.channel);
      const envelopeHeader = { event_id: id, sent_at: new Date().toISOString() };
      return {
        method: 'POST',
        url: dsn.envelopeUrl,
        showPath: true,
        contentType: 'application/x-sentry-envelope',
        headers: { 'x-sentry-auth': auth },
        body: [envelopeHeader, itemHeader, payload].map((part) => JSON.stringify(part)).join('\n') + '\n',
      };
    },
    { extraSecrets: [dsn.publicKey] },
  );
};
