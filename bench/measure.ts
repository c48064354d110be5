// Readings of an engine (CPU, memory, API requests) and the differences between two readings.
import type { RunningEngine } from './engines.ts';
import { requestCounts } from './engine-metrics.ts';
import { sampleProcesses, type ProcSample } from './proc.ts';

/** One reading of an engine at a moment. */
export type Snapshot = {
  /** `performance.now()` when taken. */
  at: number;
  proc: ProcSample;
  /** `rest_client_requests_total` per method summed over the engine's processes; undefined when a scrape failed. */
  requests: Record<string, number> | undefined;
};

/** What happened between two snapshots. */
export type Delta = {
  ms: number;
  /** CPU of the engine processes and of their children, reaped (`kustomize` runs) or alive (helm workers), seconds. */
  cpuSeconds: number;
  /** Sum of VmHWM at the end (each process's peak since it started). */
  peakRssBytes: number;
  /** Sum of VmRSS at the end. */
  rssBytes: number;
  /** API requests per method in between; undefined when either scrape failed. */
  requests: Record<string, number> | undefined;
};

/** Takes a snapshot of every process of `engine`; `ticks` is CLK_TCK. */
export async function snapshot(engine: RunningEngine, ticks: number): Promise<Snapshot> {
  const at = performance.now();
  const proc = await sampleProcesses(
    engine.children.map((c) => c.pid),
    ticks,
  );
  return { at, proc, requests: await requestCounts(engine.metricsUrls) };
}

/** The difference between two snapshots of one engine; pure. */
export function delta(from: Snapshot, to: Snapshot): Delta {
  let requests: Record<string, number> | undefined;
  if (from.requests && to.requests) {
    requests = {};
    for (const [method, n] of Object.entries(to.requests)) {
      const d = n - (from.requests[method] ?? 0);
      if (d !== 0) requests[method] = d;
    }
  }
  return {
    ms: to.at - from.at,
    cpuSeconds: to.proc.cpuSeconds + to.proc.childCpuSeconds - (from.proc.cpuSeconds + from.proc.childCpuSeconds),
    peakRssBytes: to.proc.peakRssBytes,
    rssBytes: to.proc.rssBytes,
    requests,
  };
}

/** Total requests of a delta, or undefined. */
export const totalRequests = (d: Delta): number | undefined =>
  d.requests ? Object.values(d.requests).reduce((a, b) => a + b, 0) : undefined;

/** Requests other than GET (writes and server-side dry-runs, which the metric cannot tell apart), or undefined. */
export const nonGetRequests = (d: Delta): number | undefined =>
  d.requests
    ? Object.entries(d.requests)
        .filter(([m]) => m !== 'GET')
        .reduce((a, [, n]) => a + n, 0)
    : undefined;

/**
 * Samples the resident memory of the engine's processes and their live children (a running `kustomize build`)
 * every `intervalMs`, keeping the peak: VmHWM does not see children, which Driftless runs and Flux does not. The
 * peak of the processes' summed Pss is kept too: several copies of one child binary share its pages.
 */
export function treeRssSampler(
  engine: RunningEngine,
  ticks: number,
  intervalMs = 250,
): { peakBytes(): number; peakPssBytes(): number; stop(): Promise<void> } {
  let peak = 0;
  let peakPss = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s = await sampleProcesses(
        engine.children.map((c) => c.pid),
        ticks,
      ).catch(() => undefined);
      if (s) {
        peak = Math.max(peak, s.treeRssBytes);
        peakPss = Math.max(peakPss, s.treePssBytes);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    peakBytes: () => peak,
    peakPssBytes: () => peakPss,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
