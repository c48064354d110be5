import { Groups } from '../../api/constants.ts';
import { NotificationVersions } from '../../api/notification.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { fluxPrimaryPredicate, type ControllerDeps } from '../shared.ts';
import { receiverReconciler } from './reconciler.ts';
import { receiverWebhookRunnable } from './webhook.ts';

export interface ReceiverControllerOptions extends ControllerDeps {
  /** `host:port` of the webhook server (Flux: `:9292`). */
  receiverAddr: string;
  noCrossNamespaceRefs: boolean;
  onListening?: (url: string) => void;
}

/** Registers the Receiver controller and the webhook server with the manager. */
export function setupReceiverController(mgr: Manager, opts: ReceiverControllerOptions): Controller {
  const informer = mgr.informer(`${Groups.notification}/${NotificationVersions.receiver}`, 'Receiver');
  const controller = new Controller({
    name: 'receiver',
    reconciler: receiverReconciler({ ...opts, informer }),
    logger: opts.logger,
    metrics: opts.metrics,
    concurrency: 2,
  });
  controller.watchPrimary(informer, fluxPrimaryPredicate);
  mgr.addController(controller);
  mgr.addRunnable(
    receiverWebhookRunnable({
      client: opts.client,
      informer,
      logger: opts.logger,
      metrics: opts.metrics,
      addr: opts.receiverAddr,
      noCrossNamespaceRefs: opts.noCrossNamespaceRefs,
      ...(opts.onListening ? { onListening: opts.onListening } : {}),
    }),
  );
  return controller;
}
