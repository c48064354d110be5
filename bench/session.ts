// One benchmark invocation's shared state (control plane, Git server, harness client) and one engine's turn:
// a fresh namespace and repository, the engine started, measured, stopped, and its namespace removed.
import path from 'node:path';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/config.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { gitRepository, type TestEnv } from '../test/support/env.ts';
import { startEngine, type EngineName, type RunningEngine } from './engines.ts';
import type { FluxPeers } from './flux-peers.ts';
import { snapshot, type Snapshot } from './measure.ts';
import { fluxReady, pollUntil } from './readiness.ts';

/** Flux's API versions, spelled out so the harness does not follow the engine's own constants. */
export const FluxApi = {
  source: 'source.toolkit.fluxcd.io/v1',
  kustomize: 'kustomize.toolkit.fluxcd.io/v1',
  notification: 'notification.toolkit.fluxcd.io/v1',
  helm: 'helm.toolkit.fluxcd.io/v2',
} as const;
/** The annotation both engines honour to reconcile now. */
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

/** Settings of one invocation. */
export type SessionOptions = {
  concurrent?: number;
  logLevel: string;
  /** Limit of each wait for Ready. */
  timeoutMs: number;
  /** How long to wait after a row's work before reading steady or idle memory. */
  settleMs: number;
  kubectlBin: string;
  kustomizeBin: string;
  fluxCli: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Engines that take turns; default both. One engine alone is for profiling, not for ratios. */
  engines?: readonly EngineName[];
  /** Measure the kubectl floor of P1 and P2; default true. */
  floor?: boolean;
  /** Extra Node.js options for the Driftless process (e.g. `--cpu-prof`), for profiling. */
  driftlessNodeArgs?: readonly string[];
};

/** The control plane, Git server and tools every row shares. */
export type Session = {
  env: TestEnv;
  /** The harness's own client: high limits, so waiting never queues behind the engines. */
  client: KubeClient;
  flux: FluxPeers;
  ticks: number;
  opts: SessionOptions;
  /** Turn counter, for unique namespace names. */
  turns: number;
};

/** Creates the harness client for a control plane. */
export const harnessClient = (kubeconfigPath: string): KubeClient =>
  new KubeClient({ kubeConfig: loadKubeConfig(kubeconfigPath), qps: 1000, burst: 2000 });

/** One engine's turn in a row, handed to the row's body. */
export type Turn = {
  engine: RunningEngine;
  /** The turn's namespace (the Flux objects and, as `targetNamespace`, what they apply). */
  ns: string;
  /** Name of the turn's repository on the Git server and of its GitRepository (`bench`), when it has one. */
  repo?: string;
  snapshot(): Promise<Snapshot>;
  log: (line: string) => void;
};

/** Options of {@link withEngine}. */
export type TurnSpec = {
  /** Row id used in names and logs, e.g. `p1`. */
  row: string;
  engine: EngineName;
  /** Repository contents; without them the turn has no repository and no GitRepository. */
  files?: Record<string, string>;
  /** Flux: run notification-controller too. */
  receiver?: boolean;
  /** Flux: run helm-controller too. */
  helm?: boolean;
  /** Driftless only: this many shard processes (see EngineStartOptions.shards) instead of one manager. */
  shards?: number;
  /** Labels of the GitRepository `bench` (e.g. the shard that serves it). */
  sourceLabels?: Record<string, string>;
};

/**
 * Runs `body` with a fresh namespace (and repository plus a Ready GitRepository `bench`, interval 60m, when `files`
 * is given) and a freshly started engine. The GitRepository becomes Ready before `body` starts its clock.
 * Afterwards the engine is stopped and the namespace deleted, so the next engine sees nothing of this one.
 */
export async function withEngine<T>(s: Session, spec: TurnSpec, body: (t: Turn) => Promise<T>): Promise<T> {
  s.turns++;
  const ns = `${spec.row}-${spec.engine}-${s.turns}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const log = (line: string): void => s.opts.log(`[${ns}] ${line.trimStart()}`);
  await s.env.namespace(ns);
  const repoUrl = spec.files ? await s.env.createRepo(ns, spec.files) : undefined;
  log(`starting ${spec.engine}`);
  let engine: RunningEngine | undefined;
  try {
    engine = await startEngine({
      name: spec.engine,
      kubeconfig: s.env.kubeconfigPath,
      workDir: path.join(s.env.tmp, ns),
      logLevel: s.opts.logLevel,
      receiver: spec.receiver ?? false,
      ...(spec.helm ? { helm: true } : {}),
      flux: s.flux,
      ...(s.opts.driftlessNodeArgs ? { nodeArgs: s.opts.driftlessNodeArgs } : {}),
      ...(spec.shards !== undefined ? { shards: spec.shards } : {}),
      ...(s.opts.concurrent ? { concurrent: s.opts.concurrent } : {}),
      ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    });
    const running = engine;
    log(`${spec.engine} ready in ${(running.startedMs / 1000).toFixed(2)} s`);
    if (repoUrl) {
      const source = gitRepository(ns, 'bench', repoUrl, { interval: '60m' });
      if (spec.sourceLabels) source.metadata.labels = spec.sourceLabels;
      await s.client.apply(source, { fieldManager: 'bench' });
      await waitReady(
        s,
        running,
        { apiVersion: FluxApi.source, kind: 'GitRepository', namespace: ns, name: 'bench' },
        log,
      );
    }
    return await body({
      engine: running,
      ns,
      ...(repoUrl ? { repo: ns } : {}),
      snapshot: () => snapshot(running, s.ticks),
      log,
    });
  } catch (err) {
    if (engine && !s.opts.signal?.aborted) log(`failed: ${String(err)}\n${await engine.logTail()}`);
    throw err;
  } finally {
    await engine?.stop();
    await retire(s, ns, log);
  }
}

/** Waits until a Flux object is Ready for its generation, failing early if the engine exits. */
export async function waitReady(
  s: Session,
  engine: RunningEngine,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
  log: (l: string) => void,
  timeoutMs = 120_000,
): Promise<number> {
  return await pollUntil({
    what: `${ref.kind} ${ref.name} to be Ready`,
    check: async () => {
      const obj = await s.client.get<KubeObject & Parameters<typeof fluxReady>[0]>(ref);
      const state = obj ? fluxReady(obj) : { ready: false, reason: 'NotFound' };
      return { done: state.ready, progress: state.reason };
    },
    timeoutMs,
    intervalMs: 250,
    failIf: () => engine.exited(),
    log: (l) => {
      if (!l.includes('waiting')) log(l);
    },
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
}

const FINALIZED_KINDS = [
  [FluxApi.kustomize, 'Kustomization'],
  [FluxApi.source, 'GitRepository'],
  [FluxApi.source, 'OCIRepository'],
  [FluxApi.notification, 'Receiver'],
  [FluxApi.helm, 'HelmRelease'],
  [FluxApi.source, 'HelmChart'],
] as const;

/**
 * Removes a turn's namespace: with no engine running, the Flux objects' finalizers would hold it forever, so they
 * are dropped first (the applied objects go with the namespace). Waits up to 5 minutes for it to be gone.
 */
export async function retire(s: Session, ns: string, log: (l: string) => void): Promise<void> {
  for (const [apiVersion, kind] of FINALIZED_KINDS) {
    const list = await s.client.list(apiVersion, kind, { namespace: ns });
    for (const obj of list.items) {
      if ((obj.metadata.finalizers ?? []).length === 0) continue;
      await s.client.patch(
        { apiVersion, kind, namespace: ns, name: obj.metadata.name },
        { metadata: { finalizers: null } },
      );
    }
  }
  await s.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  await pollUntil({
    what: `namespace ${ns} to be deleted`,
    check: async () => {
      const left = await s.client.get({ apiVersion: 'v1', kind: 'Namespace', name: ns });
      return { done: !left, progress: left ? 'terminating' : 'gone' };
    },
    timeoutMs: 300_000,
    log: (l) => {
      if (!l.includes('waiting')) log(l);
    },
  }).catch((err: unknown) => log(`namespace ${ns} left behind: ${String(err)}`));
}
