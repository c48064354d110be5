import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiVersions } from '../api/constants.ts';
import { defaultManagerConfig } from '../config/manager-config.ts';
import { install } from '../install/install.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import type { KubeObject } from '../kube/types.ts';
import { startEngine, type RunningEngine } from '../main.ts';
import { createLogger } from '../runtime/logger.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { startGitServer, type GitServer } from './git-server.ts';

const run = promisify(execFile);

export interface DevSessionOptions {
  /** State dir (control plane, repositories, storage, working clone). */
  dir: string;
  /** Directory whose files seed the Git repository. */
  seedDir: string;
  log: (line: string) => void;
}

export interface DevSession {
  kubeconfigPath: string;
  workingClone: string;
  engine: RunningEngine;
  stop(): Promise<void>;
}

/**
 * The embedded default: a local control plane, a local Git server seeded from `seedDir`, the CRDs,
 * a GitRepository + Kustomization named `flux-system`, and the engine, with progress printed until
 * both are Ready. Stops everything it started when a step fails.
 */
export async function startDevSession(opts: DevSessionOptions): Promise<DevSession> {
  const { log } = opts;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    log('starting the local control plane (etcd, kube-apiserver, controller manager, scheduler, kwok)…');
    const cp: ControlPlane = await startControlPlane({
      dir: path.join(opts.dir, 'control-plane'),
      log: (l) => log(`  ${l}`),
    });
    cleanups.push(() => cp.stop());
    const client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });

    log('installing the Flux CRDs…');
    await install(client, { crdsOnly: true });

    log(`starting the local Git server with a repository made from ${opts.seedDir}…`);
    const password = randomBytes(12).toString('hex');
    const reposDir = path.join(opts.dir, 'repositories');
    await rm(reposDir, { recursive: true, force: true });
    await mkdir(reposDir, { recursive: true });
    const git: GitServer = await startGitServer({ root: reposDir, username: 'dev', password });
    cleanups.push(() => git.stop());
    await git.createRepo('fleet', { files: await readTree(opts.seedDir), branch: 'main' });

    const workingClone = path.join(opts.dir, 'fleet');
    await rm(workingClone, { recursive: true, force: true });
    const cloneUrl = git.repoUrl('fleet').replace('http://', `http://dev:${password}@`);
    await run('git', ['clone', '-q', '--', cloneUrl, workingClone]);

    log('starting the engine…');
    const engine = await startEngine(
      {
        ...defaultManagerConfig(),
        kubeconfig: cp.kubeconfigPath,
        metricsAddr: '127.0.0.1:0',
        healthAddr: '127.0.0.1:0',
        storageAddr: '127.0.0.1:0',
        receiverAddr: '127.0.0.1:0',
        eventsAddr: '127.0.0.1:0',
        storagePath: path.join(opts.dir, 'storage'),
        logLevel: 'warn',
      },
      { logger: createLogger({ level: 'warn' }) },
    );
    cleanups.push(() => engine.stop());

    log('creating GitRepository flux-system/flux-system and Kustomization flux-system/flux-system…');
    await applyBootstrap(client, git.repoUrl('fleet'), password);
    await waitReady(client, log);
    return { kubeconfigPath: cp.kubeconfigPath, workingClone, engine, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function applyBootstrap(client: KubeClient, url: string, password: string): Promise<void> {
  const ns = 'flux-system';
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'flux-system', namespace: ns },
      stringData: { username: 'dev', password },
    },
    {
      apiVersion: ApiVersions.source,
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: ns },
      // A short interval stands in for a push webhook, so commits are applied within seconds.
      spec: { url, interval: '5s', ref: { branch: 'main' }, secretRef: { name: 'flux-system' } },
    },
    {
      apiVersion: ApiVersions.kustomize,
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace: ns },
      spec: {
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        path: './',
        interval: '1m',
        prune: true,
        wait: true,
        timeout: '2m',
      },
    },
  ];
  for (const o of objects) await client.apply(o, { fieldManager: 'driftless-dev' });
}

type WithConditions = KubeObject & { status?: { conditions?: { type: string; status: string; message: string }[] } };

const progressLine = (name: string, obj: WithConditions | undefined): string => {
  const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready');
  return `${name}: ${ready ? `${ready.status === 'True' ? '✔' : '…'} ${ready.message}` : 'waiting for the first reconcile'}`;
};

async function waitReady(client: KubeClient, log: (l: string) => void): Promise<void> {
  const kinds = [
    { apiVersion: ApiVersions.source, kind: 'GitRepository' },
    { apiVersion: ApiVersions.kustomize, kind: 'Kustomization' },
  ];
  const lastSeen = new Map<string, string>();
  const show = (key: string, line: string): void => {
    if (lastSeen.get(key) !== line) log(`  ${line}`);
    lastSeen.set(key, line);
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    let allReady = true;
    for (const k of kinds) {
      const obj = await client.get<WithConditions>({ ...k, namespace: 'flux-system', name: 'flux-system' });
      show(k.kind, progressLine(`${k.kind}/flux-system`, obj));
      if (obj?.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') allReady = false;
    }
    // The HelmReleases the repository holds (examples/ has one) are waited for too: a HelmRelease
    // nothing has reconciled yet has no conditions, which the Kustomization's health check counts as
    // Current. Listed after the Kustomization, so one it applied before turning Ready is seen.
    for (const hr of (await client.list<WithConditions>(ApiVersions.helm, 'HelmRelease')).items) {
      const name = `HelmRelease/${hr.metadata.namespace ?? ''}/${hr.metadata.name}`;
      show(name, progressLine(name, hr));
      if (hr.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') allReady = false;
    }
    if (allReady) return;
    if (Date.now() > deadline)
      throw new Error(
        'GitRepository/Kustomization flux-system (and the HelmReleases they apply) did not become Ready within 3 minutes; see the messages above',
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Reads a directory into `relative path → content` (what the Git server seeds a repository with). */
async function readTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out[path.relative(root, full)] = await readFile(full, 'utf8');
    }
  };
  await walk(root);
  return out;
}
