// Readiness checks for the benchmarks: list once per poll and summarise, so progress can be printed every second.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiVersions } from '../src/api/constants.ts';
import type { KubeClient } from '../src/kube/client.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { BENCH_LABEL, type BenchFixture } from './fixtures.ts';

/** One poll's verdict: whether the wait is over, and a one-line progress summary. */
export type PollState = { done: boolean; progress: string };

/** Options of {@link pollUntil}. */
export type PollOptions = {
  /** What is being waited for, printed in progress lines and in the timeout error. */
  what: string;
  check: () => Promise<PollState>;
  timeoutMs: number;
  /** Poll period; default 1 s. */
  intervalMs?: number;
  /** Called before each poll; a returned string aborts the wait with that message (e.g. the engine exited). */
  failIf?: () => string | undefined;
  log: (line: string) => void;
  signal?: AbortSignal;
};

/** Polls until `check` says done and returns the elapsed milliseconds; throws on timeout, `failIf` or abort. */
export async function pollUntil(opts: PollOptions): Promise<number> {
  const start = performance.now();
  const interval = opts.intervalMs ?? 1000;
  let last = 'no poll yet';
  for (;;) {
    opts.signal?.throwIfAborted();
    const failure = opts.failIf?.();
    if (failure) throw new Error(`${opts.what}: ${failure}`);
    const elapsed = performance.now() - start;
    try {
      const state = await opts.check();
      last = state.progress;
      if (state.done) {
        const doneAt = performance.now() - start;
        opts.log(`  [${seconds(doneAt)}] ${opts.what}: done (${last})`);
        return doneAt;
      }
    } catch (err) {
      // A list can fail while the API server is busy; keep polling and report the error as progress.
      last = `poll failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    opts.log(`  [${seconds(elapsed)}] waiting for ${opts.what}: ${last}`);
    if (elapsed > opts.timeoutMs)
      throw new Error(`timed out after ${seconds(opts.timeoutMs)} waiting for ${opts.what} (last: ${last})`);
    await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/** Formats milliseconds as seconds with one decimal, e.g. `12.3s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

type Condition = { type: string; status: string; reason?: string };
type Flux = KubeObject & { status?: { observedGeneration?: number; conditions?: Condition[] } };

/** Whether a Flux object is Ready=True for its current generation; otherwise the reason it is not. */
export function fluxReady(obj: Flux): { ready: boolean; reason: string } {
  const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
  const current = obj.status?.observedGeneration === obj.metadata.generation;
  if (ready?.status === 'True' && current) return { ready: true, reason: 'Ready' };
  return { ready: false, reason: ready ? `${ready.status}/${ready.reason ?? ''}` : 'NoCondition' };
}

/** Counts Ready Flux objects of one kind in a namespace, with a tally of why the others are not Ready. */
export async function fluxObjectsReady(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
  total: number,
): Promise<PollState> {
  const list = await client.list<Flux>(apiVersion, kind, { namespace });
  const tally = new Map<string, number>();
  let ready = 0;
  for (const obj of list.items) {
    const state = fluxReady(obj);
    if (state.ready) ready++;
    else tally.set(state.reason, (tally.get(state.reason) ?? 0) + 1);
  }
  const missing = total - list.items.length;
  if (missing > 0) tally.set('NotCreated', missing);
  const others = [...tally].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return { done: ready === total, progress: `${ready}/${total} ${kind}s Ready${others ? ` (${others})` : ''}` };
}

/** Counts Ready Kustomizations in a namespace, with a tally of why the others are not Ready. */
export const kustomizationsReady = (client: KubeClient, namespace: string, total: number): Promise<PollState> =>
  fluxObjectsReady(client, ApiVersions.kustomize, 'Kustomization', namespace, total);

type Deployment = KubeObject & {
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
};

/** kstatus's rule for a Deployment: observed, fully updated, ready and available. */
export function deploymentRolledOut(d: Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.readyReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  );
}

const kindApi = { ConfigMap: 'v1', Secret: 'v1', Service: 'v1', Deployment: 'apps/v1' } as const;

/** Checks that every benchmark object of a fixture exists in `namespace` and every Deployment has rolled out. */
export async function objectsReady(client: KubeClient, namespace: string, fixture: BenchFixture): Promise<PollState> {
  const parts: string[] = [];
  let done = true;
  for (const [kind, want] of Object.entries(fixture.expected) as [keyof typeof kindApi, number][]) {
    if (want === 0) continue;
    const list = await client.list<Deployment>(kindApi[kind], kind, {
      namespace,
      labelSelector: `${BENCH_LABEL}=true`,
    });
    const have = list.items.length;
    if (kind === 'Deployment') {
      const rolledOut = list.items.filter(deploymentRolledOut).length;
      parts.push(`Deployments ${rolledOut}/${want} rolled out`);
      if (rolledOut < want) done = false;
    } else {
      parts.push(`${kind}s ${have}/${want}`);
    }
    if (have < want) done = false;
  }
  return { done, progress: parts.join(', ') };
}
