// Opens a benchmark session: one control plane and Git server for the whole invocation, room for the Pods,
// Flux's extra CRDs, and a description of the machine and of every peer's version.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { fakeNode } from '../src/devenv/control-plane/boot.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { startTestEnv } from '../test/support/env.ts';
import { installFluxCrds } from './crds.ts';
import type { FluxPeers } from './flux-peers.ts';
import { clockTicksPerSecond } from './proc.ts';
import { pollUntil } from './readiness.ts';
import { harnessClient, type Session, type SessionOptions } from './session.ts';

const run = promisify(execFile);
/** Each fake Node takes 250 Pods; keep headroom so the scheduler never runs out. */
const PODS_PER_NODE = 200;

/**
 * Starts the control plane and Git server, adds fake Nodes for `pods` Pods, and installs the Flux CRDs Driftless
 * lacks. Returns the session and notes on the CRDs for the results.
 */
export async function openSession(
  opts: SessionOptions,
  flux: FluxPeers,
  pods: number,
): Promise<{ session: Session; crdNotes: string[] }> {
  opts.log('starting a control plane, a Git server and the CRDs (driftless install --crds-only)');
  const env = await startTestEnv({ engine: false });
  try {
    const client = harnessClient(env.kubeconfigPath);
    const session: Session = { env, client, flux, ticks: clockTicksPerSecond(), opts, turns: 0 };
    await addNodes(session, pods);
    const crdNotes = await installFluxCrds(client, flux, opts.log);
    return { session, crdNotes };
  } catch (err) {
    await env.stop();
    throw err;
  }
}

/** Adds fake kwok Nodes so that `pods` Pods fit (the control plane starts with one Node of 250 Pods). */
async function addNodes(s: Session, pods: number): Promise<void> {
  const extra = Math.ceil(pods / PODS_PER_NODE) - 1;
  if (extra <= 0) return;
  const names = Array.from({ length: extra }, (_, i) => `bench-node-${i + 1}`);
  s.opts.log(`adding ${extra} fake Node${extra === 1 ? '' : 's'} for ${pods} Pods`);
  for (const name of names) await s.client.apply(fakeNode(name) as KubeObject, { fieldManager: 'bench' });
  await pollUntil({
    what: `${extra} extra Nodes to be Ready`,
    check: async () => {
      const nodes = await s.client.list<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
        'v1',
        'Node',
      );
      const ready = nodes.items.filter(
        (n) =>
          names.includes(n.metadata.name) &&
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      return { done: ready === extra, progress: `${ready}/${extra} Ready` };
    },
    timeoutMs: 60_000,
    log: s.opts.log,
  });
}

/** First line of a command's output, or a reason it could not run. */
async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 30_000 });
    return (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
  } catch (err) {
    return `unavailable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** `git rev-parse --short HEAD`, with `+uncommitted` when src/ or bin/ differ from it (other work in the tree). */
export async function measuredCommit(cwd: string): Promise<string> {
  const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })).stdout.trim();
  const dirty = (await run('git', ['status', '--porcelain', '--', 'src', 'bin'], { cwd })).stdout.trim();
  return dirty ? `${head}+uncommitted changes in src/ or bin/` : head;
}

/** Lines describing the machine and the version of everything measured. */
export async function describeMachine(
  s: Session,
  tools: { kubectl: string; kustomize: string; flux: string },
): Promise<string[]> {
  const cpus = os.cpus();
  const server = await s.client.serverVersion().then(
    (v) => v.gitVersion,
    () => 'unknown',
  );
  const load = os.loadavg().map((l) => l.toFixed(1));
  return [
    `Machine: ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'} (nproc ${os.availableParallelism()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}; load average at start ${load.join(' ')}`,
    `Driftless: Node ${process.version}, run as \`node bin/driftless.js\`; control plane: kube-apiserver ${server}`,
    ...Object.values(s.flux).map(
      (p) => `Flux ${p.name} v${p.version} (flux2 pins v${p.pinned}): ${p.built.replace(/\n/g, '; ')}`,
    ),
    `Tools: ${await firstLine(tools.flux, ['version', '--client'])} (flux CLI); kubectl ${await firstLine(tools.kubectl, ['version', '--client'])}; kustomize ${await firstLine(tools.kustomize, ['version'])}`,
  ];
}
