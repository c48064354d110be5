import { Counter } from 'prom-client';
import { Groups } from '../../api/constants.ts';
import { NotificationVersions } from '../../api/notification.ts';
import { toFluxEvent } from '../../notify/event.ts';
import { createEventIntakeApp, startEventIntakeServer } from '../../notify/intake/event-intake.ts';
import type { CommitStatusLog } from '../../notify/providers/commit-status-log.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { ControllerDeps } from '../shared.ts';
import { NotificationDispatcher } from './dispatcher.ts';

export interface NotificationOptions extends ControllerDeps {
  /** The recorder every controller records through; the dispatcher subscribes to it. */
  baseRecorder: EventRecorder;
  /** `host:port` of the HTTP event intake for external Flux controllers; omit to not serve it. */
  eventsAddr?: string;
  noCrossNamespaceRefs: boolean;
  /** Records the commit statuses forges accepted (the dashboard shows them). */
  statusLog?: CommitStatusLog;
  onListening?: (url: string) => void;
}

/**
 * The notification side: Alerts and Providers are static objects (no status, as in Flux v1beta3),
 * so there is no reconciler, only caches and the dispatcher fed by every controller's events and,
 * optionally, by an HTTP intake that speaks notification-controller's protocol.
 */
export function setupNotifications(mgr: Manager, opts: NotificationOptions): NotificationDispatcher {
  const apiVersion = `${Groups.notification}/${NotificationVersions.providerAlert}`;
  const dispatcher = new NotificationDispatcher({
    client: opts.client,
    alerts: mgr.informer(apiVersion, 'Alert'),
    providers: mgr.informer(apiVersion, 'Provider'),
    recorder: opts.recorder,
    logger: opts.logger,
    metrics: opts.metrics,
    noCrossNamespaceRefs: opts.noCrossNamespaceRefs,
    ...(opts.statusLog ? { statusLog: opts.statusLog } : {}),
  });
  // Only the leader reconciles, so only the leader's events reach the sink: no duplicate notifications.
  opts.baseRecorder.addSink((event) => dispatcher.submit(toFluxEvent(event)));
  const eventsAddr = opts.eventsAddr;
  if (eventsAddr) {
    const received = new Counter({
      name: 'driftless_event_intake_total',
      help: 'Events received over HTTP, by outcome',
      labelNames: ['outcome'],
      registers: [opts.metrics.registry],
    });
    let server: { close(): Promise<void> } | undefined;
    mgr.addRunnable({
      name: 'event-intake',
      needsLeader: false,
      async start() {
        const app = createEventIntakeApp({
          dispatch: (e) => dispatcher.dispatch(e),
          logger: opts.logger,
          observer: { received: (outcome) => received.inc({ outcome }) },
        });
        const running = await startEventIntakeServer({ app, addr: eventsAddr });
        server = running;
        opts.onListening?.(running.url);
      },
      async stop() {
        await server?.close();
        await dispatcher.drain();
      },
    });
  }
  return dispatcher;
}
