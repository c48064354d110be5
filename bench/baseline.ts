// The raw baseline: kustomize build of the same directories, then one `kubectl apply --server-side`, then wait.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeClient } from '../src/kube/client.ts';
import { runKustomizeBuild } from '../src/render/kustomize-exec.ts';
import { parseManifests } from '../src/render/manifests.ts';
import type { BenchFixture } from './fixtures.ts';
import { objectsReady, pollUntil, seconds } from './readiness.ts';

/** Options of {@link runBaseline}. */
export type BaselineOptions = {
  client: KubeClient;
  kubeconfig: string;
  kubectlBin: string;
  kustomizeBin: string;
  fixture: BenchFixture;
  /** Namespace every object goes to (the Kustomizations' `targetNamespace` in the engine run). */
  namespace: string;
  timeoutMs: number;
  log: (line: string) => void;
  signal?: AbortSignal;
};

/** Milliseconds from the start of the builds until each milestone. */
export type BaselineResult = { builtMs: number; appliedMs: number; readyMs: number; objects: number };

/** Builds every unit of the fixture, applies the concatenated YAML with kubectl and waits until it is Ready. */
export async function runBaseline(opts: BaselineOptions): Promise<BaselineResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'driftless-bench-baseline-'));
  try {
    await writeTree(work, opts.fixture.files);
    // The floor is kustomize itself: the units' kustomization.yaml files get the namespace as targetNamespace
    // would, and the binary runs on each (Driftless's own build skips kustomize for plain lists of files).
    for (const unit of opts.fixture.units) {
      const file = path.join(work, unit.path, 'kustomization.yaml');
      await writeFile(file, `${await readFile(file, 'utf8')}namespace: ${opts.namespace}\n`);
    }
    opts.log(
      `  baseline: kustomize build of ${opts.fixture.units.length} director${opts.fixture.units.length === 1 ? 'y' : 'ies'}`,
    );
    const start = performance.now();
    const docs = await mapLimited(opts.fixture.units, 8, async (unit) => {
      const out = await runKustomizeBuild({
        bin: opts.kustomizeBin,
        dir: path.join(work, unit.path),
        roots: [work],
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return { yaml: out.toString('utf8'), count: parseManifests(out).length };
    });
    const builtMs = performance.now() - start;
    const objects = docs.reduce((n, d) => n + d.count, 0);
    const yaml = docs.map((d) => d.yaml.replace(/^---\n/, '')).join('---\n');
    opts.log(
      `  baseline: built ${objects} objects in ${seconds(builtMs)}; kubectl apply --server-side --field-manager=bench`,
    );

    await kubectlApply({ ...opts, yaml });
    const appliedMs = performance.now() - start;
    opts.log(`  baseline: kubectl apply returned after ${seconds(appliedMs)}`);

    const readyAfterApply = await pollUntil({
      what: `baseline objects in ${opts.namespace} to be Ready`,
      check: () => objectsReady(opts.client, opts.namespace, opts.fixture),
      timeoutMs: opts.timeoutMs,
      log: opts.log,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { builtMs, appliedMs, readyMs: appliedMs + readyAfterApply, objects };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Maps with at most `limit` calls in flight, keeping input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Pipes YAML into `kubectl apply --server-side -f -`; throws with kubectl's stderr on failure or timeout. */
async function kubectlApply(opts: BaselineOptions & { yaml: string }): Promise<void> {
  const args = [
    '--kubeconfig',
    opts.kubeconfig,
    'apply',
    '--server-side',
    '--field-manager=bench',
    '-o',
    'name',
    '-f',
    '-',
  ];
  const child = spawn(opts.kubectlBin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let applied = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    applied += chunk.split('\n').filter(Boolean).length;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const ticker = setInterval(() => opts.log(`  waiting for kubectl apply: ${applied} objects applied so far`), 5000);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const abort = (): void => void child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, sig) => resolve(sig ?? c ?? -1));
      child.stdin.on('error', reject);
      child.stdin.end(opts.yaml);
    });
    if (code !== 0)
      throw new Error(`kubectl apply failed (${String(code)}) after ${applied} objects: ${summariseErrors(stderr)}`);
  } finally {
    clearInterval(ticker);
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
  }
}

/** kubectl prints one line per failed object; keep the count and the first line. */
function summariseErrors(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return 'no output';
  return lines.length === 1
    ? (lines[0] ?? '')
    : `${lines.length} error lines (last 4000 bytes), first: ${lines[0] ?? ''}`;
}
