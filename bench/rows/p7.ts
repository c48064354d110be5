// P7 (a manager with nothing to do: start-up time, idle memory and CPU) and P8 (CLI latency against 1000
// Kustomizations: `driftless get kustomizations` beside `flux get kustomizations`, and `--version`).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mapLimited } from '../baseline.ts';
import { delta } from '../measure.ts';
import { median, type Line } from '../report.ts';
import { FluxApi, retire, withEngine, type Session } from '../session.ts';
import { alternate, toLines, type Measured } from './common.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs P7 on both engines: time from spawn until the workers run and until /readyz answers, then RSS and CPU over
 * the settle period.
 */
export async function runP7(s: Session, repetitions: number): Promise<Line[]> {
  const outcomes = await alternate(s, repetitions, (engine, m: Measured) =>
    withEngine(s, { row: 'p7', engine }, async (t) => {
      const before = await t.snapshot();
      await sleep(s.opts.settleMs, undefined, s.opts.signal ? { signal: s.opts.signal } : {});
      const d = delta(before, await t.snapshot());
      Object.assign(m, {
        working: t.engine.workingMs,
        startup: t.engine.startedMs,
        idleRss: d.rssBytes,
        idleCpu: d.cpuSeconds,
      });
    }),
  );
  const settle = `${Math.round(s.opts.settleMs / 1000)} s`;
  return toLines(
    'P7 idle',
    [
      { id: 'working', metric: 'start -> workers running in every process (caches synced)', unit: 'ms' },
      // Not the same event on both: Flux's /readyz is a ping, up before its caches sync; Driftless's waits for them.
      { id: 'startup', metric: "start -> /readyz of every process (Flux's is a ping)", unit: 'ms' },
      {
        id: 'idleRss',
        metric: `idle RSS after ${settle} (sum of VmRSS)`,
        unit: 'bytes',
        target: { max: 80 * 2 ** 20 },
      },
      { id: 'idleCpu', metric: `CPU-seconds while idle for ${settle}`, unit: 'cpu' },
    ],
    outcomes,
    {},
    "Flux: source-controller + kustomize-controller (Driftless's one process also serves Receivers and events)",
  );
}

/** Parses GNU time's `-f '%e %U %S %M'` line: wall seconds, user and system seconds, max RSS kB; pure. */
export function parseTimeLine(text: string): { wallMs: number; cpuSeconds: number; maxRssBytes: number } | undefined {
  const m = /(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)\s*$/.exec(text.trim());
  if (!m) return undefined;
  return {
    wallMs: Number(m[1]) * 1000,
    cpuSeconds: Number(m[2]) + Number(m[3]),
    maxRssBytes: Number(m[4]) * 1024,
  };
}

/** Runs a command under GNU time; throws with its stderr when it fails. */
async function timed(command: string, args: string[]): Promise<{ wallMs: number; cpuSeconds: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-time-'));
  const out = path.join(dir, 'time');
  try {
    const start = performance.now();
    await new Promise<void>((resolve, reject) =>
      execFile(
        '/usr/bin/time',
        ['-f', '%e %U %S %M', '-o', out, command, ...args],
        { cwd: repoRoot, maxBuffer: 64 * 2 ** 20 },
        (err, _stdout, stderr) =>
          err ? reject(new Error(`${path.basename(command)} failed: ${stderr.trim().slice(-500)}`)) : resolve(),
      ),
    );
    const wallMs = performance.now() - start;
    const parsed = parseTimeLine(await readFile(out, 'utf8'));
    return { wallMs, cpuSeconds: parsed?.cpuSeconds ?? Number.NaN };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Timing = { wallMs: number; cpuSeconds: number };

/**
 * Runs each command once to warm up, then `runs` rounds of every command in turn (so a machine still busy from the
 * objects just created slows them all alike), and keeps each command's median wall time and CPU.
 */
async function mediansOf(runs: number, commands: readonly (readonly [string, string[]])[]): Promise<Timing[]> {
  for (const [command, args] of commands) await timed(command, args);
  const results: Timing[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++)
    for (const [k, [command, args]] of commands.entries()) results[k]?.push(await timed(command, args));
  return results.map((rs) => ({
    wallMs: median(rs.map((r) => r.wallMs)) ?? Number.NaN,
    cpuSeconds: median(rs.map((r) => r.cpuSeconds)) ?? Number.NaN,
  }));
}

/**
 * P8: with no engine running, creates `count` Kustomizations (Ready in status, as an engine would leave them),
 * then times each CLI's listing of them, `--version`, and `kubectl get` as the floor.
 */
export async function runP8(s: Session, count: number, runs: number): Promise<Line[]> {
  const ns = 'p8-cli';
  const log = (l: string): void => s.opts.log(`[${ns}] ${l.trimStart()}`);
  await s.env.namespace(ns);
  try {
    log(`creating ${count} Kustomizations with a Ready status`);
    const now = new Date().toISOString();
    await mapLimited(
      Array.from({ length: count }, (_, i) => `app-${String(i).padStart(4, '0')}`),
      16,
      async (name) => {
        const ref = { apiVersion: FluxApi.kustomize, kind: 'Kustomization', namespace: ns, name };
        await s.client.apply(
          {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name, namespace: ns },
            spec: { interval: '60m', path: './', prune: true, sourceRef: { kind: 'GitRepository', name: 'bench' } },
          },
          { fieldManager: 'bench' },
        );
        const revision = 'main@sha1:0123456789abcdef0123456789abcdef01234567';
        await s.client.patch(
          ref,
          {
            status: {
              observedGeneration: 1,
              lastAppliedRevision: revision,
              lastAttemptedRevision: revision,
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  reason: 'ReconciliationSucceeded',
                  message: `Applied revision: ${revision}`,
                  lastTransitionTime: now,
                },
              ],
            },
          },
          { subresource: 'status' },
        );
      },
    );
    const kubeconfig = ['--kubeconfig', s.env.kubeconfigPath];
    const driftless = [path.join(repoRoot, 'bin', 'driftless.js')];
    log(`timing the CLIs (a warm-up, then ${runs} rounds of every command in turn; median)`);
    const [dGet, fGet, kGet, dVersion, fVersion, kVersion] = (await mediansOf(runs, [
      [process.execPath, [...driftless, 'get', 'kustomizations', '-n', ns, ...kubeconfig]],
      [s.opts.fluxCli, ['get', 'kustomizations', '-n', ns, ...kubeconfig]],
      [s.opts.kubectlBin, ['get', 'kustomizations.kustomize.toolkit.fluxcd.io', '-n', ns, ...kubeconfig]],
      [process.execPath, [...driftless, '--version']],
      [s.opts.fluxCli, ['version', '--client']],
      [s.opts.kubectlBin, ['version', '--client']],
    ])) as [Timing, Timing, Timing, Timing, Timing, Timing];
    const one = (v: number): number[] => (Number.isFinite(v) ? [v] : []);
    return [
      {
        row: `P8 CLI x ${count}`,
        metric: 'get kustomizations: wall time (median)',
        unit: 'ms',
        driftless: one(dGet.wallMs),
        flux: one(fGet.wallMs),
        floor: one(kGet.wallMs),
        target: { max: 300 },
        note: 'floor: kubectl get; driftless runs as `node bin/driftless.js`',
      },
      {
        row: `P8 CLI x ${count}`,
        metric: 'get kustomizations: CPU-seconds',
        unit: 'cpu',
        driftless: one(dGet.cpuSeconds),
        flux: one(fGet.cpuSeconds),
        floor: one(kGet.cpuSeconds),
      },
      {
        row: 'P8 CLI',
        metric: '--version (flux/kubectl: version --client)',
        unit: 'ms',
        driftless: one(dVersion.wallMs),
        flux: one(fVersion.wallMs),
        floor: one(kVersion.wallMs),
        target: { max: 300 },
      },
      {
        row: 'P8 CLI',
        metric: '--version: CPU-seconds',
        unit: 'cpu',
        driftless: one(dVersion.cpuSeconds),
        flux: one(fVersion.cpuSeconds),
        floor: one(kVersion.cpuSeconds),
      },
    ];
  } finally {
    await retire(s, ns, log);
  }
}
