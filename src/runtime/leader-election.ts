import type { KubeClient } from '../kube/client.ts';
import { isConflict, isNotFound } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Logger } from './logger.ts';
import { abortableSleep } from '../util/sleep.ts';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  /** Lease name; managers sharing it elect one leader. */
  name: string;
  identity: string;
  logger: Logger;
  /**
   * Set on the Lease by its holder (default none), so that other processes can read what the leader of
   * this Lease runs (e.g. its reconciler groups and label selector). Written on every acquire and renew.
   */
  annotations?: Record<string, string>;
  /** Defaults as controller-runtime and Flux: 35 s lease, 30 s renew deadline, 5 s retry period. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go does it: acquire when the
 * lease is free or expired, renew every retry period, and report loss when renewals fail for the
 * whole renew deadline. `release()` frees the lease on a graceful stop so a follower takes over at once.
 */
export class LeaderElector {
  private readonly opts: Required<LeaderElectionOptions>;
  private leading = false;
  private observedRenew = 0;
  private observedRecord = '';

  constructor(opts: LeaderElectionOptions) {
    this.opts = { leaseDurationMs: 35_000, renewDeadlineMs: 30_000, retryPeriodMs: 5_000, annotations: {}, ...opts };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Blocks until this process leads (or `signal` aborts: returns false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.opts.logger.info(
      { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity },
      'waiting for leadership',
    );
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.opts.logger.info({ identity: this.opts.identity }, 'became leader');
        return true;
      }
      await abortableSleep(this.opts.retryPeriodMs, signal);
    }
    return false;
  }

  /** Renews until renewals fail past the deadline (calls `onLost`) or `signal` aborts. */
  async keepRenewing(signal: AbortSignal, onLost: () => void): Promise<void> {
    let lastOk = Date.now();
    while (!signal.aborted) {
      await abortableSleep(this.opts.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastOk = Date.now();
      } else if (Date.now() - lastOk > this.opts.renewDeadlineMs) {
        this.leading = false;
        this.opts.logger.error({ identity: this.opts.identity }, 'leader lease lost');
        onLost();
        return;
      }
    }
  }

  /** Gives the lease up so another manager can take over without waiting for expiry. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.opts.client.get<Lease>(this.ref()).catch(() => undefined);
    if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) };
    await this.opts.client
      .replace(lease)
      .catch((err: unknown) => this.opts.logger.warn({ err: String(err) }, 'failed to release lease'));
  }

  private ref(): { apiVersion: string; kind: string; namespace: string; name: string } {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: this.opts.namespace,
      name: this.opts.name,
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, identity } = this.opts;
    const now = new Date();
    const durationSeconds = Math.round(this.opts.leaseDurationMs / 1000);
    try {
      const lease = await client.get<Lease>(this.ref());
      if (!lease) {
        await client.create({
          ...this.ref(),
          metadata: { name: this.opts.name, namespace: this.opts.namespace, annotations: this.opts.annotations },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      // Expiry is judged by when *we* last saw the record change, not by the holder's clock.
      const record = `${spec.holderIdentity}|${spec.renewTime}`;
      if (record !== this.observedRecord) {
        this.observedRecord = record;
        this.observedRenew = Date.now();
      }
      const holder = spec.holderIdentity ?? '';
      const expired = Date.now() > this.observedRenew + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (holder && holder !== identity && !expired) return false;
      const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
      if (Object.keys(this.opts.annotations).length)
        lease.metadata.annotations = { ...lease.metadata.annotations, ...this.opts.annotations };
      lease.spec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: holder === identity ? (spec.acquireTime ?? microTime(now)) : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: transitions,
      };
      const updated = await client.replace<Lease>(lease);
      this.observedRecord = `${updated.spec?.holderIdentity}|${updated.spec?.renewTime}`;
      this.observedRenew = Date.now();
      return true;
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) this.opts.logger.warn({ err: String(err) }, 'lease update failed');
      return false;
    }
  }
}
