import { Counter } from 'prom-client';
import type { AlertObject, ProviderObject } from '../../api/notification.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/types.ts';
import { matchAlerts } from '../../notify/alerts/match.ts';
import { mergeMetadata } from '../../notify/alerts/metadata.ts';
import { RateLimiter } from '../../notify/alerts/rate-limiter.ts';
import type { Alert } from '../../notify/alerts/types.ts';
import { cleanMetadata, type FluxEvent } from '../../notify/event.ts';
import type { CommitStatusLog } from '../../notify/providers/commit-status-log.ts';
import { CommitStatusMemo } from '../../notify/providers/commit-status-memo.ts';
import { NotificationDispatchFailedReason } from '../../notify/providers/errors.ts';
import { createNotifier, providerAcceptsEvent } from '../../notify/providers/registry.ts';
import type { DeliveryObserver } from '../../notify/providers/types.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { RuntimeMetrics } from '../../runtime/metrics.ts';
import { messageOf } from '../shared.ts';
import { providerConfig } from '../provider-config.ts';

export interface DispatcherOptions {
  client: KubeClient;
  alerts: Informer;
  providers: Informer;
  recorder: EventRecorder;
  logger: Logger;
  metrics: RuntimeMetrics;
  noCrossNamespaceRefs: boolean;
  rateLimitIntervalMs?: number;
  /** Records the commit statuses forges accepted (shown on the dashboard's timeline). */
  statusLog?: CommitStatusLog;
}

/**
 * Events in, notifications out (Flux's notification-controller event server): drops duplicates,
 * matches Alerts, merges metadata, resolves each Alert's Provider and posts through the provider
 * registry. Delivery failures become `NotificationDispatchFailed` Warning events on the Alert and
 * metrics, never exceptions for the caller.
 */
export class NotificationDispatcher {
  private readonly o: DispatcherOptions;
  private readonly limiter: RateLimiter;
  private readonly memo = new CommitStatusMemo();
  private readonly observer: DeliveryObserver;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly regexpCache = new Map();

  constructor(opts: DispatcherOptions) {
    this.o = opts;
    this.limiter = new RateLimiter(opts.rateLimitIntervalMs ? { intervalMs: opts.rateLimitIntervalMs } : {});
    const registers = [opts.metrics.registry];
    const delivered = new Counter({
      name: 'driftless_notification_delivery_total',
      help: 'Notification deliveries by provider type and result (sent, failed, retried, skipped)',
      labelNames: ['type', 'result'],
      registers,
    });
    this.observer = {
      sent: (type) => delivered.inc({ type, result: 'sent' }),
      failed: (type) => delivered.inc({ type, result: 'failed' }),
      retried: (type) => delivered.inc({ type, result: 'retried' }),
      skipped: (type) => delivered.inc({ type, result: 'skipped' }),
    };
  }

  /** Accepts an event from the in-process recorder; delivery happens in the background. */
  submit(event: FluxEvent): void {
    if (!this.limiter.allow(event)) return;
    const p = this.dispatch(event)
      .catch((err: unknown) => this.o.logger.warn({ err: messageOf(err) }, 'event dispatch failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Dispatches one event now (the HTTP intake awaits this after its own duplicate check). */
  async dispatch(raw: FluxEvent): Promise<void> {
    const event = cleanMetadata(raw);
    const alerts = this.o.alerts.list() as unknown as AlertObject[];
    if (alerts.length === 0) return;
    const objectLabels = await this.labelsIfNeeded(event, alerts);
    const matched = matchAlerts(event, alerts as unknown as Alert[], {
      noCrossNamespaceRefs: this.o.noCrossNamespaceRefs,
      regexpCache: this.regexpCache,
      ...(objectLabels ? { objectLabels } : {}),
    });
    await Promise.all(matched.map((alert) => this.deliver(event, alert)));
  }

  /** Waits for background deliveries (graceful stop, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(event: FluxEvent, alert: Alert): Promise<void> {
    const alertObj = alert as unknown as KubeObject;
    const ns = alert.metadata.namespace;
    const provider = this.o.providers.get(`${ns}/${alert.spec.providerRef.name}`) as ProviderObject | undefined;
    const fail = async (message: string): Promise<void> => {
      this.o.logger.warn({ alert: `${ns}/${alert.metadata.name}`, err: message }, 'notification not delivered');
      await this.o.recorder.record(
        { ...alertObj, apiVersion: 'notification.toolkit.fluxcd.io/v1beta3', kind: 'Alert' },
        { type: 'Warning', reason: NotificationDispatchFailedReason, message },
      );
    };
    if (!provider)
      return fail(
        `failed to get provider '${ns}/${alert.spec.providerRef.name}' referenced by spec.providerRef: not found`,
      );
    if (provider.spec.suspend) return;
    if (!providerAcceptsEvent(provider.spec.type, event)) return;
    const merged = mergeMetadata(event, alert);
    try {
      const cfg = await providerConfig(this.o.client, provider, {
        statusMemo: this.memo,
        observer: this.observer,
        ...(this.o.statusLog ? { statusLog: this.o.statusLog } : {}),
      });
      await createNotifier(cfg).post(merged.event, { alert: { name: alert.metadata.name, namespace: ns } });
    } catch (err) {
      await fail(
        `failed to send notification for ${event.involvedObject.kind}/${event.involvedObject.namespace}/${event.involvedObject.name} to Provider/${ns}/${provider.metadata.name} (${provider.spec.type}): ${messageOf(err)}`,
      );
    }
  }

  /** Reads the involved object's labels only when some Alert uses `matchLabels`. */
  private async labelsIfNeeded(event: FluxEvent, alerts: AlertObject[]): Promise<Record<string, string> | undefined> {
    if (!alerts.some((a) => a.spec.eventSources.some((s) => s.matchLabels))) return undefined;
    const o = event.involvedObject;
    try {
      const obj = await this.o.client.get(
        { apiVersion: o.apiVersion, kind: o.kind, namespace: o.namespace, name: o.name },
        { metadataOnly: true },
      );
      return obj?.metadata.labels ?? {};
    } catch {
      return undefined;
    }
  }
}
