import { Counter } from 'prom-client';
import { Annotations } from '../../api/constants.ts';
import type { ReceiverObject } from '../../api/notification.ts';
import type { KubeClient } from '../../kube/client.ts';
import { receiverFilters } from '../../notify/receivers/resource-filter.ts';
import { resolveResources } from '../../notify/receivers/resolve-resources.ts';
import type { ReceiverRequest } from '../../notify/receivers/types.ts';
import { createReceiverApp, type ReceiverTarget } from '../../notify/receivers/server.ts';
import { startHardenedServer } from '../../notify/receivers/http-limits.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Runnable } from '../../runtime/manager.ts';
import type { RuntimeMetrics } from '../../runtime/metrics.ts';
import { readSecretData } from '../shared.ts';

export interface ReceiverWebhookOptions {
  client: KubeClient;
  informer: Informer;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** `host:port` to listen on (Flux's receiver port is 9292). */
  addr: string;
  noCrossNamespaceRefs: boolean;
  onListening?: (url: string) => void;
}

/**
 * The webhook endpoint (`/hook/<sha256>`) as a manager runnable: looks Receivers up by
 * `status.webhookPath`, validates the call, and annotates the targets with
 * `reconcile.fluxcd.io/requestedAt` so they reconcile at once. Runs on every replica.
 */
export function receiverWebhookRunnable(opts: ReceiverWebhookOptions): Runnable {
  const registers = [opts.metrics.registry];
  const calls = new Counter({
    name: 'driftless_receiver_requests_total',
    help: 'Webhook calls to Receivers, by receiver type, result and rejection reason',
    labelNames: ['type', 'result', 'reason'],
    registers,
  });
  let server: { close(): Promise<void> } | undefined;

  const lookup = async (path: string): Promise<ReceiverTarget | undefined> => {
    const receiver = opts.informer.list().find((r) => (r as ReceiverObject).status?.webhookPath === path) as
      ReceiverObject | undefined;
    if (!receiver) return undefined;
    const ns = receiver.metadata.namespace ?? '';
    const secret = receiver.spec.secretRef
      ? await readSecretData(opts.client, ns, receiver.spec.secretRef.name)
      : undefined;
    const ready = receiver.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    return {
      name: receiver.metadata.name,
      namespace: ns,
      spec: receiver.spec,
      token: secret?.['token'] ?? '',
      secret: secret ?? {},
      suspended: receiver.spec.suspend === true,
      ready,
    };
  };

  const trigger = async (target: ReceiverTarget, req: ReceiverRequest): Promise<number> => {
    const { targets, errors } = await resolveResources({
      resources: target.spec.resources,
      namespace: target.namespace,
      noCrossNamespaceRefs: opts.noCrossNamespaceRefs,
      filters: receiverFilters(target.spec, req),
      getSubject: (t) => opts.client.get(t, { metadataOnly: true }),
      listNames: async (q) => {
        const selector = Object.entries(q.matchLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const list = await opts.client.list(q.apiVersion, q.kind, {
          namespace: q.namespace,
          labelSelector: selector,
          metadataOnly: true,
        });
        return list.items.map((i) => i.metadata.name);
      },
    });
    for (const e of errors)
      opts.logger.warn({ receiver: `${target.namespace}/${target.name}`, err: e.message }, 'receiver resource skipped');
    const token = new Date().toISOString();
    let annotated = 0;
    for (const t of targets) {
      try {
        await opts.client.patch(t, { metadata: { annotations: { [Annotations.reconcileRequestedAt]: token } } });
        annotated++;
      } catch (err) {
        opts.logger.warn(
          {
            receiver: `${target.namespace}/${target.name}`,
            target: `${t.kind}/${t.namespace}/${t.name}`,
            err: String(err),
          },
          'failed to request reconcile',
        );
      }
    }
    return annotated;
  };

  return {
    name: 'receiver-webhooks',
    needsLeader: false,
    async start() {
      const app = createReceiverApp({
        lookup,
        trigger,
        logger: opts.logger,
        observer: {
          accepted: (type) => calls.inc({ type, result: 'accepted', reason: '' }),
          rejected: (type, reason) => calls.inc({ type, result: 'rejected', reason }),
          ignored: (type) => calls.inc({ type, result: 'ignored', reason: '' }),
        },
      });
      const running = await startHardenedServer({ app, addr: opts.addr });
      server = running;
      opts.onListening?.(running.url);
    },
    async stop() {
      await server?.close();
    },
  };
}
