// Per-process CPU and memory from /proc: pure parsers plus thin readers, summed over an engine's processes.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** CPU time of one process in clock ticks: its own (utime+stime) and its reaped children's (cutime+cstime). */
export type CpuTicks = { self: number; children: number };

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses, so fields are counted
 * from the last `)`; utime, stime, cutime and cstime are fields 14 to 17. Undefined for text that is not a stat line.
 */
export function parseStat(text: string): CpuTicks | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " comes field 3 (state), so field k is at index k - 3.
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
    .map(Number);
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]];
  if ([utime, stime, cutime, cstime].some((n) => n === undefined || !Number.isFinite(n))) return undefined;
  return { self: (utime ?? 0) + (stime ?? 0), children: (cutime ?? 0) + (cstime ?? 0) };
}

/** Reads one `kB` line of `/proc/<pid>/status` (e.g. `VmHWM`, `VmRSS`) as bytes; undefined when absent. */
export function parseStatusKb(text: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Parses `/proc/<pid>/task/<tid>/children`: space-separated child pids. */
export const parseChildren = (text: string): number[] =>
  text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);

/** Clock ticks per second (`getconf CLK_TCK`, almost always 100), read once. */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** One reading of a set of processes; every field is a sum over the processes still alive. */
export type ProcSample = {
  /** utime+stime of the processes themselves, seconds. */
  cpuSeconds: number;
  /**
   * CPU of their children, seconds: cutime+cstime of those reaped (Driftless runs `kustomize` as a child) plus
   * utime+stime (and reaped children's) of live descendants (Driftless's long-lived helm workers). A child
   * reaped between two samples moves from the second part to the first, so a difference counts it once.
   */
  childCpuSeconds: number;
  /** Sum of VmHWM (each process's own peak resident set), bytes. */
  peakRssBytes: number;
  /** Sum of VmRSS now, bytes. */
  rssBytes: number;
  /** Sum of VmRSS now including live descendants (e.g. a running `kustomize build`), bytes. */
  treeRssBytes: number;
  /**
   * Sum of Pss (`/proc/<pid>/smaps_rollup`) over the same processes, bytes: each page shared by several of
   * them (the text of one binary run four times at once) counted once in all, not once per process.
   */
  treePssBytes: number;
};

const readOrUndefined = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw err;
  });

/** Live descendants of `pid` (children, grandchildren…), read from every thread's `children` file. */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    const tasks = await readdir(`/proc/${p}/task`).catch((): string[] => []);
    for (const tid of tasks) {
      const kids = parseChildren((await readOrUndefined(`/proc/${p}/task/${tid}/children`)) ?? '');
      out.push(...kids);
      queue.push(...kids);
    }
  }
  return out;
}

/** Reads CPU and memory of `pids` (gone processes count zero); `ticks` from {@link clockTicksPerSecond}. */
export async function sampleProcesses(pids: readonly number[], ticks: number): Promise<ProcSample> {
  const sample: ProcSample = {
    cpuSeconds: 0,
    childCpuSeconds: 0,
    peakRssBytes: 0,
    rssBytes: 0,
    treeRssBytes: 0,
    treePssBytes: 0,
  };
  const pss = async (p: number): Promise<number> =>
    parseStatusKb((await readOrUndefined(`/proc/${p}/smaps_rollup`)) ?? '', 'Pss') ?? 0;
  for (const pid of pids) {
    const stat = parseStat((await readOrUndefined(`/proc/${pid}/stat`)) ?? '');
    const status = (await readOrUndefined(`/proc/${pid}/status`)) ?? '';
    if (stat) {
      sample.cpuSeconds += stat.self / ticks;
      sample.childCpuSeconds += stat.children / ticks;
    }
    const rss = parseStatusKb(status, 'VmRSS') ?? 0;
    sample.peakRssBytes += parseStatusKb(status, 'VmHWM') ?? 0;
    sample.rssBytes += rss;
    sample.treeRssBytes += rss;
    sample.treePssBytes += await pss(pid);
    for (const kid of await descendants(pid)) {
      const kidStat = parseStat((await readOrUndefined(`/proc/${kid}/stat`)) ?? '');
      if (kidStat) sample.childCpuSeconds += (kidStat.self + kidStat.children) / ticks;
      sample.treeRssBytes += parseStatusKb((await readOrUndefined(`/proc/${kid}/status`)) ?? '', 'VmRSS') ?? 0;
      sample.treePssBytes += await pss(kid);
    }
  }
  return sample;
}
