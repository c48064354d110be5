import { Groups } from '../../api/constants.ts';
import { NotificationVersions, type ReceiverObject } from '../../api/notification.ts';
import { Controller } from '../../runtime/controller.ts';
import type { Manager } from '../../runtime/manager.ts';
import { watchReferencedConfigs } from '../config-watch.ts';
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
  // A new token changes the webhook path: the Receiver is reconciled when its watched Secret changes.
  watchReferencedConfigs(
    mgr,
    controller,
    informer,
    (o) => {
      const name = (o as ReceiverObject).spec.secretRef?.name;
      return name ? [{ kind: 'Secret', name }] : [];
    },
    opts.configWatch,
  );
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
