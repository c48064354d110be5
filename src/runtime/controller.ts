import type { KubeObject } from '../kube/types.ts';
import { keyOf, type Informer } from './informer.ts';
import type { Logger } from './logger.ts';
import type { RuntimeMetrics } from './metrics.ts';
import type { UpdatePredicate } from './predicates.ts';
import { parseKey, TerminalError, type Reconciler } from './result.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerOptions {
  /** Name used in logs and metrics (e.g. `kustomization`). */
  name: string;
  reconciler: Reconciler;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Parallel workers; default 4 (Flux's `--concurrent`). */
  concurrency?: number;
  queue?: WorkQueue;
}

/**
 * Turns watch events into keys, keys into reconciles. The reconciler never sees events; all
 * requeue rules live here: errors back off per key, `requeueAfterMs` schedules the next run,
 * success resets the backoff, a TerminalError is logged and not retried.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private workers: Promise<void>[] = [];
  private signal: AbortSignal = new AbortController().signal;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.queue = opts.queue ?? new WorkQueue(opts.metrics ? { observer: opts.metrics.queueObserver(opts.name) } : {});
    opts.metrics?.initController(opts.name);
  }

  /**
   * Reconciles the watched object itself on add, delete, and updates passing the predicate. A delete from the
   * cache (the object is gone, or moved to another shard: a label watch sends DELETED when the selector stops
   * matching) first stops a reconcile in flight for it, so it writes nothing after the new owner took over.
   */
  watchPrimary(informer: Informer, predicate: UpdatePredicate): void {
    informer.addHandlers({
      onAdd: (o) => this.queue.add(keyOf(o)),
      onUpdate: (o, n) => predicate(o, n) && this.queue.add(keyOf(n)),
      onDelete: (o) => {
        this.opts.reconciler.released?.(keyOf(o));
        this.queue.add(keyOf(o));
      },
    });
  }

  /** Reconciles the keys that `map` derives from events on another kind (e.g. a source's consumers). */
  watchMapped(informer: Informer, map: (obj: KubeObject) => string[], predicate?: UpdatePredicate): void {
    const enqueue = (o: KubeObject): void => {
      for (const k of map(o)) this.queue.add(k);
    };
    informer.addHandlers({
      onAdd: enqueue,
      onUpdate: (o, n) => (!predicate || predicate(o, n)) && enqueue(n),
      onDelete: enqueue,
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the workers; they stop when the queue shuts down. `signal` reaches every reconcile. */
  start(signal: AbortSignal = new AbortController().signal): void {
    this.signal = signal;
    const n = this.opts.concurrency ?? 4;
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /**
   * Stops taking keys and waits for in-flight reconciles, at most `graceMs` (they see the start
   * signal abort first, so they normally end at once). Resolves `false` when the grace ran out.
   */
  async stop(graceMs = 25_000): Promise<boolean> {
    this.queue.shutDown();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), graceMs);
      timer.unref();
    });
    const done = await Promise.race([Promise.all(this.workers).then(() => true as const), expired]);
    clearTimeout(timer);
    if (!done)
      this.opts.logger.warn({ controller: this.name, graceMs }, 'reconciles still running after the grace period');
    return done;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.processOne(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async processOne(key: string): Promise<void> {
    const { metrics, logger, reconciler } = this.opts;
    const controller = this.name;
    const end = metrics?.reconcileTime.startTimer({ controller });
    try {
      const result = await reconciler.reconcile(parseKey(key), this.signal);
      this.queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics?.reconcileTotal.inc({ controller, result: 'requeue_after' });
      } else {
        metrics?.reconcileTotal.inc({ controller, result: 'success' });
      }
    } catch (err) {
      metrics?.reconcileErrors.inc({ controller });
      metrics?.reconcileTotal.inc({ controller, result: 'error' });
      if (err instanceof TerminalError) {
        this.queue.forget(key);
        logger.error(
          { controller, key, reason: err.reason, err: err.message },
          'reconcile failed (terminal, not retried)',
        );
        return;
      }
      this.queue.addRateLimited(key);
      logger.error(
        { controller, key, err: err instanceof Error ? err.message : String(err), retries: this.queue.failuresOf(key) },
        'reconcile failed; retrying with backoff',
      );
    } finally {
      end?.();
    }
  }
}
