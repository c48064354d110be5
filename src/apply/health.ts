import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../api/duration.ts';
import type { KubeClient } from '../kube/client.ts';
import { describeRef, type ObjectRef } from '../kube/types.ts';
import { ClusterReader, type ObjectSource } from './cluster-reader.ts';
import type { HealthEvents, HealthSubscription } from './health-events.ts';
import { mapSettled } from './pool.ts';
import { computeStatus, Status, type CustomStatus, type StatusResult } from './status.ts';

export { computeStatus, Status, type CustomStatus, type StatusResult } from './status.ts';

/** The last observed status of one object. */
export interface ObjectHealth extends StatusResult {
  ref: ObjectRef;
  subject: string;
}

/** The outcome of a health wait: every object's last status and the ones that are not Current. */
export interface HealthResult {
  objects: ObjectHealth[];
  notReady: ObjectHealth[];
  elapsedMs: number;
}

/** Objects did not become Current in time, or one Failed. */
export class HealthCheckError extends Error {
  override readonly name = 'HealthCheckError';
  readonly result: HealthResult;

  constructor(message: string, result: HealthResult) {
    super(message);
    this.result = result;
  }
}

export interface WaitForHealthOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Poll period (default 2000 ms, as Flux). */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Stop at the first Failed object instead of waiting out the timeout (default true, as Flux). */
  failFast?: boolean;
  /** Parallel GETs and LISTs per poll (default 4); groups of 8 or more objects of one kind and namespace are listed. */
  concurrency?: number;
  /** The caller's own status rules, tried before the built-in ones (default: none). */
  customStatus?: CustomStatus;
  /**
   * Watch events of the objects: a change re-reads them at once instead of at the next poll; the poll interval
   * stays as the fallback (objects no watch covers, missed events). Default: poll only.
   */
  events?: HealthEvents;
}

const describe = (h: ObjectHealth): string => `${h.subject} status: '${h.status}'${h.message ? ` (${h.message})` : ''}`;

async function observe(source: ObjectSource, ref: ObjectRef, custom?: CustomStatus): Promise<ObjectHealth> {
  const subject = describeRef(ref);
  try {
    return { ref, subject, ...computeStatus(await source.get(ref), custom) };
  } catch (err) {
    // A kind that is no longer served cannot have instances; anything else may be transient.
    const reason = (err as { reason?: string }).reason;
    if (reason === 'NoKindMatch') return { ref, subject, status: Status.NotFound, message: (err as Error).message };
    return { ref, subject, status: Status.Unknown, message: (err as Error).message };
  }
}

/**
 * Polls the objects (one LIST per large group, else GETs) until all are Current and returns their statuses. Throws HealthCheckError
 * after `timeoutMs` listing the objects not ready and why, or at once when one is Failed
 * (unless `failFast` is false). Aborting `signal` rejects with the abort reason.
 */
export async function waitForHealth(
  client: Pick<KubeClient, 'get' | 'list' | 'resource'>,
  refs: readonly ObjectRef[],
  opts: WaitForHealthOptions,
): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const interval = opts.intervalMs ?? 2000;
  const reader = new ClusterReader({ client, concurrency: opts.concurrency ?? 4 });
  // Subscribed before the first read, so a change between a read and the wait is not lost.
  const changes = opts.events?.subscribe(refs);
  try {
    return await poll(reader, refs, opts, { started, deadline, interval, changes });
  } finally {
    changes?.close();
  }
}

async function poll(
  reader: ClusterReader,
  refs: readonly ObjectRef[],
  opts: WaitForHealthOptions,
  at: { started: number; deadline: number; interval: number; changes: HealthSubscription | undefined },
): Promise<HealthResult> {
  const { started, deadline, interval, changes } = at;
  for (;;) {
    opts.signal?.throwIfAborted();
    const source = await reader.snapshot(refs, opts.signal);
    const polled = await mapSettled(refs, (ref) => observe(source, ref, opts.customStatus), opts.concurrency ?? 4);
    const objects = polled.map((p) => p.value as ObjectHealth);
    const notReady = objects.filter((o) => o.status !== Status.Current);
    const result: HealthResult = { objects, notReady, elapsedMs: Date.now() - started };
    if (notReady.length === 0) return result;
    const failed = notReady.filter((o) => o.status === Status.Failed);
    if (failed.length && (opts.failFast ?? true)) {
      throw new HealthCheckError(
        `health check failed after ${formatDuration(result.elapsedMs)}: failed early due to stalled resources: [${failed.map(describe).join(', ')}]`,
        result,
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new HealthCheckError(
        `health check failed after ${formatDuration(result.elapsedMs)}: timeout waiting for: [${notReady.map(describe).join(', ')}]`,
        result,
      );
    }
    if (changes) {
      await changes.next(Math.min(interval, left), opts.signal);
      opts.signal?.throwIfAborted();
    } else await sleep(Math.min(interval, left), undefined, opts.signal ? { signal: opts.signal } : {});
  }
}
