// S (Driftless only): N small Kustomizations (one ConfigMap each, one GitRepository) split over 1, 2, 4… shard
// processes on one control plane: time to all Ready, each process's CPU and memory, the engines' API requests,
// and the API server's and etcd's own CPU, request count, mean latency and priority-and-fairness queue wait.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readPid } from '../../src/devenv/control-plane/processes.ts';
import { requestCounts } from '../engine-metrics.ts';
import { SHARD_KEY, shardName } from '../engines.ts';
import { shardFixture } from '../fixtures.ts';
import { sampleProcesses } from '../proc.ts';
import type { Line } from '../report.ts';
import { withEngine, type Session, type Turn } from '../session.ts';
import { collectRow } from './common.ts';
import { createKustomizations, waitAllReady } from './p1.ts';

const run = promisify(execFile);

/** What the API server's /metrics say, summed over every label set; pure inputs for {@link apiServerDelta}. */
export type ApiServerReading = {
  requests: number;
  /** Sum and count of `apiserver_request_duration_seconds` for every verb but WATCH and CONNECT (long-running). */
  durationSum: number;
  durationCount: number;
  /** Sum and count of `apiserver_flowcontrol_request_wait_duration_seconds` (time queued by priority and fairness). */
  waitSum: number;
  waitCount: number;
  rejected: number;
  /** `apiserver_request_total` of every verb but GET, LIST, WATCH and CONNECT (writes and dry-runs), by resource. */
  writes: Record<string, number>;
};

/** Reads {@link ApiServerReading} from kube-apiserver's Prometheus text; pure. */
export function parseApiServerMetrics(text: string): ApiServerReading {
  const r: ApiServerReading = {
    requests: 0,
    durationSum: 0,
    durationCount: 0,
    waitSum: 0,
    waitCount: 0,
    rejected: 0,
    writes: {},
  };
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, name, labels = '', raw] = m;
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    const longRunning = /(?:^|,)verb="(WATCH|CONNECT)"/.test(labels);
    if (name === 'apiserver_request_total') {
      r.requests += value;
      const resource = /(?:^|,)resource="([^"]*)"/.exec(labels)?.[1] ?? '';
      if (!/(?:^|,)verb="(GET|LIST|WATCH|CONNECT)"/.test(labels))
        r.writes[resource] = (r.writes[resource] ?? 0) + value;
    } else if (name === 'apiserver_request_duration_seconds_sum' && !longRunning) r.durationSum += value;
    else if (name === 'apiserver_request_duration_seconds_count' && !longRunning) r.durationCount += value;
    else if (name === 'apiserver_flowcontrol_request_wait_duration_seconds_sum') r.waitSum += value;
    else if (name === 'apiserver_flowcontrol_request_wait_duration_seconds_count') r.waitCount += value;
    else if (name === 'apiserver_flowcontrol_rejected_requests_total') r.rejected += value;
  }
  return r;
}

/** Requests served between two readings, their mean latency and mean queue wait (ms), rejections; pure. */
export function apiServerDelta(
  from: ApiServerReading,
  to: ApiServerReading,
): { requests: number; meanLatencyMs?: number; meanWaitMs?: number; rejected: number } {
  const count = to.durationCount - from.durationCount;
  const waits = to.waitCount - from.waitCount;
  return {
    requests: to.requests - from.requests,
    ...(count > 0 ? { meanLatencyMs: ((to.durationSum - from.durationSum) / count) * 1000 } : {}),
    ...(waits > 0 ? { meanWaitMs: ((to.waitSum - from.waitSum) / waits) * 1000 } : {}),
    rejected: to.rejected - from.rejected,
  };
}

/** One reading of everything the row measures. */
type Reading = {
  at: number;
  /** Per shard process: CPU-seconds (own + reaped children), peak RSS. */
  procs: { cpu: number; peakRss: number }[];
  requests: (number | undefined)[];
  apiserverCpu?: number;
  etcdCpu?: number;
  apiserver?: ApiServerReading;
};

async function read(s: Session, t: Turn): Promise<Reading> {
  const at = performance.now();
  const procs = await Promise.all(
    t.engine.children.map(async (c) => {
      const p = await sampleProcesses([c.pid], s.ticks);
      return { cpu: p.cpuSeconds + p.childCpuSeconds, peakRss: p.peakRssBytes };
    }),
  );
  const requests = await Promise.all(
    t.engine.metricsUrls.map(async (u) => {
      const r = await requestCounts([u]);
      return r ? Object.values(r).reduce((a, b) => a + b, 0) : undefined;
    }),
  );
  // The control plane's components write pid files next to its kubeconfig.
  const dir = path.dirname(s.env.kubeconfigPath);
  const cpuOf = async (component: 'kube-apiserver' | 'etcd'): Promise<number | undefined> => {
    const pid = await readPid(dir, component);
    return pid ? (await sampleProcesses([pid], s.ticks)).cpuSeconds : undefined;
  };
  const apiserver = await readApiServerMetrics(s);
  const [apiserverCpu, etcdCpu] = [await cpuOf('kube-apiserver'), await cpuOf('etcd')];
  return {
    at,
    procs,
    requests,
    ...(apiserverCpu !== undefined ? { apiserverCpu } : {}),
    ...(etcdCpu !== undefined ? { etcdCpu } : {}),
    ...(apiserver ? { apiserver } : {}),
  };
}

/** The API server's own counters now (`kubectl get --raw /metrics`); undefined when they cannot be read. */
export async function readApiServerMetrics(s: Session): Promise<ApiServerReading | undefined> {
  return await run(s.opts.kubectlBin, ['--kubeconfig', s.env.kubeconfigPath, 'get', '--raw', '/metrics'], {
    maxBuffer: 256 * 2 ** 20,
  }).then(
    (r) => parseApiServerMetrics(r.stdout),
    () => undefined,
  );
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Runs the row for every shard count: a fresh namespace, repository and set of shard processes each time; the
 * GitRepository belongs to shard1 and every shard's Kustomizations use it (sources are looked up across shards).
 */
export async function runShards(
  s: Session,
  n: number,
  counts: readonly number[],
  repetitions: number,
): Promise<Line[]> {
  const fixture = shardFixture(n);
  const lines: Line[] = [];
  for (const shards of counts) {
    const row = `S N=${n} shards=${shards}`;
    const { put, lines: rowLines } = collectRow();
    const errors: string[] = [];
    for (let r = 0; r < repetitions; r++) {
      try {
        await withEngine(
          s,
          {
            row: `s${shards}`,
            engine: 'driftless',
            files: fixture.files,
            shards,
            sourceLabels: { [SHARD_KEY]: shardName(1) },
          },
          async (t) => {
            const before = await read(s, t);
            t.log(`creating ${n} Kustomizations over ${shards} shard${shards === 1 ? '' : 's'}`);
            await createKustomizations(s, t.ns, fixture.units, '60m', {
              wait: false,
              labels: (i) => ({ [SHARD_KEY]: shardName((i % shards) + 1) }),
            });
            await waitAllReady(s, t, n);
            const after = await read(s, t);
            const ms = after.at - before.at;
            const cpu = after.procs.map((p, i) => p.cpu - (before.procs[i]?.cpu ?? 0));
            const requests = after.requests.map((v, i) => {
              const b = before.requests[i];
              return v === undefined || b === undefined ? undefined : v - b;
            });
            put('time to all Ready', 'ms', ms);
            put('Kustomizations Ready per second', 'count', n / (ms / 1000));
            put('CPU-seconds, all shard processes (+ reaped kustomize)', 'cpu', sum(cpu));
            for (const [i, c] of cpu.entries()) put(`CPU-seconds, ${shardName(i + 1)} process`, 'cpu', c);
            put('peak RSS, sum of processes (VmHWM)', 'bytes', sum(after.procs.map((p) => p.peakRss)));
            for (const [i, p] of after.procs.entries())
              put(`peak RSS, ${shardName(i + 1)} process`, 'bytes', p.peakRss);
            if (requests.every((v) => v !== undefined))
              put('API requests by the shards (rest_client_requests_total)', 'count', sum(requests as number[]));
            if (before.apiserverCpu !== undefined && after.apiserverCpu !== undefined)
              put('kube-apiserver CPU-seconds', 'cpu', after.apiserverCpu - before.apiserverCpu);
            if (before.etcdCpu !== undefined && after.etcdCpu !== undefined)
              put('etcd CPU-seconds', 'cpu', after.etcdCpu - before.etcdCpu);
            if (before.apiserver && after.apiserver) {
              const d = apiServerDelta(before.apiserver, after.apiserver);
              put('kube-apiserver requests served (all clients)', 'count', d.requests);
              put('kube-apiserver mean latency, non-watch (ms)', 'count', d.meanLatencyMs);
              put('kube-apiserver mean priority-and-fairness queue wait (ms)', 'count', d.meanWaitMs);
              put('kube-apiserver rejected requests (429)', 'count', d.rejected);
            }
            put('machine load average (1 min) when all were Ready', 'count', os.loadavg()[0]);
            t.log(`all Ready in ${(ms / 1000).toFixed(1)} s`);
          },
        );
      } catch (err) {
        s.opts.signal?.throwIfAborted();
        errors.push(err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err));
      }
    }
    lines.push(...rowLines(row, errors));
  }
  return lines;
}
