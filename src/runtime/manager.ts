import { setMaxListeners } from 'node:events';
import { Hono } from 'hono';
import type { KubeClient } from '../kube/client.ts';
import type { Controller } from './controller.ts';
import { listen, type RunningServer } from './http-server.ts';
import { Informer } from './informer.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import type { Logger } from './logger.ts';
import type { RuntimeMetrics } from './metrics.ts';

/** Something the manager starts and stops: a server, a poller, a cache. */
export interface Runnable {
  name: string;
  /** Only the leader runs it (default true): reconcilers, the artifact server. */
  needsLeader?: boolean;
  start(signal: AbortSignal): Promise<void>;
  stop?(): Promise<void>;
}

export interface ManagerOptions {
  client: KubeClient;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** `host:port` for /metrics; omit to not serve. */
  metricsAddr?: string;
  /** `host:port` for /healthz and /readyz; omit to not serve. */
  healthAddr?: string;
  leaderElection?: Omit<LeaderElectionOptions, 'client' | 'logger'>;
  /** How long stop() waits for in-flight reconciles after aborting them (default 25 s). */
  shutdownGraceMs?: number;
  /** Called when the lease is lost; the process should exit so a fresh leader re-reads the world. */
  onLeaderLost?: () => void;
  /**
   * Which Flux objects (`*.toolkit.fluxcd.io` kinds) this manager sees, as Flux's controllers scope their
   * caches: `namespace` (`--watch-all-namespaces=false`: the runtime namespace) applies to every informer
   * of a Flux kind; `labelSelector` (`--watch-label-selector`, sharding) to every one not opened with
   * `allShards` (references across shards, as Flux's unfiltered caches of other controllers' kinds).
   */
  watch?: { namespace?: string | undefined; labelSelector?: string | undefined };
}

/** Whether an apiVersion is one of Flux's toolkit groups, whose informers the watch scope applies to. */
export const isFluxToolkitKind = (apiVersion: string): boolean =>
  apiVersion.includes('/') && apiVersion.slice(0, apiVersion.indexOf('/')).endsWith('.toolkit.fluxcd.io');

/**
 * Hosts informers, controllers and other runnables in one process: serves health and metrics,
 * syncs the caches, waits for leadership when enabled, then starts the controllers. `stop()` drains
 * in-flight reconciles and releases the lease.
 */
export class Manager {
  private readonly opts: ManagerOptions;
  private readonly informers = new Map<string, Informer>();
  private readonly controllers: Controller[] = [];
  private readonly runnables: Runnable[] = [];
  private readonly abort = new AbortController();
  private readonly servers: RunningServer[] = [];
  private readonly background: Promise<unknown>[] = [];
  private elector: LeaderElector | undefined;
  private leading = false;
  private started = false;
  metricsUrl: string | undefined;
  healthUrl: string | undefined;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
    // Every informer, watch and sleep listens on this one signal; more than 10 is expected, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  get client(): KubeClient {
    return this.opts.client;
  }

  get logger(): Logger {
    return this.opts.logger;
  }

  get metrics(): RuntimeMetrics {
    return this.opts.metrics;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /**
   * A shared informer per (apiVersion, kind, namespace, selector, metadataOnly); created on first use. For
   * Flux kinds the manager's watch scope is added (see ManagerOptions.watch); `allShards` leaves out its
   * label selector, for lookups of objects another shard may own; `unscoped` leaves out the whole scope, for
   * objects that are not this manager's to reconcile (applied objects watched for drift).
   */
  informer(
    apiVersion: string,
    kind: string,
    requested: {
      labelSelector?: string;
      metadataOnly?: boolean;
      namespace?: string;
      allShards?: boolean;
      unscoped?: boolean;
    } = {},
  ): Informer {
    const { allShards, unscoped, ...opts } = requested;
    const watch = unscoped ? undefined : this.opts.watch;
    if (watch && isFluxToolkitKind(apiVersion)) {
      if (watch.namespace && opts.namespace === undefined) opts.namespace = watch.namespace;
      if (watch.labelSelector && !allShards)
        opts.labelSelector = opts.labelSelector ? `${watch.labelSelector},${opts.labelSelector}` : watch.labelSelector;
    }
    const key = [
      apiVersion,
      kind,
      opts.namespace ?? '',
      opts.labelSelector ?? '',
      opts.metadataOnly ? 'meta' : 'full',
    ].join('|');
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer({ client: this.opts.client, apiVersion, kind, logger: this.opts.logger, ...opts });
      this.informers.set(key, inf);
      if (this.started) this.background.push(inf.run(this.abort.signal));
    }
    return inf;
  }

  addController(c: Controller): void {
    this.controllers.push(c);
  }

  addRunnable(r: Runnable): void {
    this.runnables.push(r);
  }

  /** Whether all informers have listed once. */
  get cachesSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Starts everything; resolves once controllers run (after leadership when enabled). */
  async start(): Promise<void> {
    const { logger } = this.opts;
    this.started = true;
    await this.serveProbes();
    // Runnables resolve once they serve; one that cannot start (a port in use) fails the start, by name.
    await Promise.all(
      this.runnables
        .filter((r) => r.needsLeader === false)
        .map((r) =>
          r.start(this.abort.signal).catch((err: unknown) => {
            throw new Error(`${r.name} failed to start: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
            });
          }),
        ),
    );
    for (const inf of this.informers.values()) this.background.push(inf.run(this.abort.signal));
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    logger.info({ informers: this.informers.size }, 'caches synced');
    if (this.opts.leaderElection) {
      this.elector = new LeaderElector({ ...this.opts.leaderElection, client: this.opts.client, logger });
      if (!(await this.elector.acquire(this.abort.signal))) return;
      this.background.push(
        this.elector.keepRenewing(this.abort.signal, () => {
          this.leading = false;
          this.opts.metrics.leader.set({ name: this.opts.leaderElection!.name }, 0);
          this.opts.onLeaderLost?.();
        }),
      );
      this.opts.metrics.leader.set({ name: this.opts.leaderElection.name }, 1);
    }
    this.leading = true;
    for (const r of this.runnables.filter((r) => r.needsLeader !== false)) {
      this.background.push(
        r
          .start(this.abort.signal)
          .catch((err: unknown) => logger.error({ runnable: r.name, err: String(err) }, 'runnable failed')),
      );
    }
    for (const c of this.controllers) c.start(this.abort.signal);
    logger.info({ controllers: this.controllers.map((c) => c.name) }, 'controllers started');
  }

  /**
   * Graceful stop: no new work; in-flight reconciles see the abort and end (waited for at most
   * `shutdownGraceMs`, default 25 s, so the process exits within Kubernetes' 30 s termination grace);
   * lease released; servers closed.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.controllers.map((c) => c.stop(this.opts.shutdownGraceMs ?? 25_000)));
    await Promise.all(this.runnables.map((r) => r.stop?.()));
    await this.elector?.release();
    await Promise.allSettled(this.background);
    await Promise.all(this.servers.map((s) => s.close()));
  }

  private async serveProbes(): Promise<void> {
    if (this.opts.metricsAddr) {
      const app = new Hono();
      const registry = this.opts.metrics.registry;
      app.get('/metrics', async (c) => {
        this.refreshQueueGauges();
        return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
      });
      const s = await listen(app, this.opts.metricsAddr);
      this.servers.push(s);
      this.metricsUrl = s.url;
    }
    if (this.opts.healthAddr) {
      const app = new Hono();
      app.get('/healthz', (c) => c.text('ok'));
      app.get('/readyz', (c) => (this.cachesSynced ? c.text('ok') : c.text('caches not synced', 503)));
      const s = await listen(app, this.opts.healthAddr);
      this.servers.push(s);
      this.healthUrl = s.url;
    }
  }

  private refreshQueueGauges(): void {
    const now = Date.now();
    for (const c of this.controllers) {
      const running = [...c.queue.inFlight.values()].map((t) => (now - t) / 1000);
      this.opts.metrics.longestRunning.set({ name: c.name }, running.length ? Math.max(...running) : 0);
      this.opts.metrics.unfinishedWork.set(
        { name: c.name },
        running.reduce((a, b) => a + b, 0),
      );
    }
  }
}
