import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ApiVersions, Groups } from '../api/constants.ts';
import { defaultManagerConfig } from '../config/manager-config.ts';
import { install } from '../install/install.ts';
import { KubeClient } from '../kube/client.ts';
import { loadKubeConfig } from '../kube/config.ts';
import type { KubeObject } from '../kube/types.ts';
import { startEngine, type RunningEngine } from '../main.ts';
import { createLogger } from '../runtime/logger.ts';
import { RegistryClient } from '../sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../sources/oci/push.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { ImageDemo, startDevImages, withDemoFiles, type DevImages } from './dev-images.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { startRegistry } from './oci-registry.ts';

const run = promisify(execFile);

export interface DevSessionOptions {
  /** State dir (control plane, repositories, storage, working clone). */
  dir: string;
  /** Directory whose files seed the Git repository. */
  seedDir: string;
  log: (line: string) => void;
  /** Deliver through a local OCI registry (`driftless push artifact`) instead of the local Git server. */
  oci?: boolean;
  /** Also the image-automation loop: a local registry and the demo of `dev-images.ts`. */
  images?: boolean;
}

export interface DevSession {
  kubeconfigPath: string;
  /** The Git working clone, or with `oci` the directory to edit and push as an artifact. */
  workingClone: string;
  /** With `oci`: the artifact the OCIRepository follows, `oci://127.0.0.1:<port>/fleet:latest`. */
  artifactUrl?: string;
  engine: RunningEngine;
  /** With `images`: the registry and the command that tags a newer demo image. */
  images?: { image: string; tagCommand(tag: string): string[] };
  stop(): Promise<void>;
}

/**
 * The embedded default: a local control plane, a local Git server seeded from `seedDir` (with `oci`: a
 * local registry holding `seedDir` as an artifact), the CRDs, a GitRepository (OCIRepository) +
 * Kustomization named `flux-system`, and the engine, with progress printed until both are Ready. Stops
 * everything it started when a step fails.
 */
export async function startDevSession(opts: DevSessionOptions): Promise<DevSession> {
  // Image automation commits to Git, so the images demo needs the Git source.
  if (opts.images && opts.oci) throw new Error('--images needs the Git source: drop --oci (or --images)');
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

    let images: DevImages | undefined;
    if (opts.images) {
      log('starting the local OCI registry with demo/web:1.0.0…');
      images = await startDevImages(path.join(opts.dir, 'registry'));
      cleanups.push(() => images!.registry.stop());
    }
    const source = opts.oci ? await ociSource(opts, cleanups) : await gitSource(opts, cleanups, images?.files ?? {});

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

    log(`creating ${source.kind} flux-system/flux-system and Kustomization flux-system/flux-system…`);
    for (const o of [...source.objects, bootstrapKustomization(source.kind, source.patches)])
      await client.apply(o, { fieldManager: 'driftless-dev' });
    const waitFor: { apiVersion: string; kind: string; name: string }[] = [
      { apiVersion: ApiVersions.source, kind: source.kind, name: 'flux-system' },
      { apiVersion: ApiVersions.kustomize, kind: 'Kustomization', name: 'flux-system' },
    ];
    if (images)
      for (const kind of ['ImageRepository', 'ImagePolicy', 'ImageUpdateAutomation'])
        waitFor.push({ apiVersion: `${Groups.image}/v1`, kind, name: ImageDemo.name });
    await waitReady(client, waitFor, log);
    return {
      kubeconfigPath: cp.kubeconfigPath,
      workingClone: source.workingDir,
      ...(source.artifactUrl ? { artifactUrl: source.artifactUrl } : {}),
      engine,
      ...(images ? { images: { image: images.image, tagCommand: images.tagCommand } } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Where the dev loop reads from: the source objects (and their Secrets), the directory to edit, the kind. */
interface DevSource {
  kind: 'GitRepository' | 'OCIRepository';
  objects: KubeObject[];
  workingDir: string;
  artifactUrl?: string;
  /** Kustomization `spec.patches` the source needs (the OCI source leaves out Git-sourced HelmReleases). */
  patches?: { patch: string; target: Record<string, string> }[];
}

/** A local Git server with a repository seeded from `seedDir`, and a working clone of it. */
async function gitSource(
  opts: DevSessionOptions,
  cleanups: (() => Promise<void>)[],
  extraFiles: Record<string, string>,
): Promise<DevSource> {
  opts.log(`starting the local Git server with a repository made from ${opts.seedDir}…`);
  const password = randomBytes(12).toString('hex');
  const reposDir = path.join(opts.dir, 'repositories');
  await rm(reposDir, { recursive: true, force: true });
  await mkdir(reposDir, { recursive: true });
  const git: GitServer = await startGitServer({ root: reposDir, username: 'dev', password });
  cleanups.push(() => git.stop());
  await git.createRepo('fleet', { files: withDemoFiles(await readTree(opts.seedDir), extraFiles), branch: 'main' });
  const workingDir = path.join(opts.dir, 'fleet');
  await rm(workingDir, { recursive: true, force: true });
  const cloneUrl = git.repoUrl('fleet').replace('http://', `http://dev:${password}@`);
  await run('git', ['clone', '-q', '--', cloneUrl, workingDir]);
  const ns = 'flux-system';
  return {
    kind: 'GitRepository',
    workingDir,
    objects: [
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
        spec: {
          url: git.repoUrl('fleet'),
          interval: '5s',
          ref: { branch: 'main' },
          secretRef: { name: 'flux-system' },
        },
      },
    ],
  };
}

/**
 * A local registry (plain HTTP on loopback) with `seedDir` pushed as `fleet:latest` with Flux's media
 * types, and a copy of `seedDir` to edit and push again with `driftless push artifact`.
 */
async function ociSource(opts: DevSessionOptions, cleanups: (() => Promise<void>)[]): Promise<DevSource> {
  opts.log(`starting the local OCI registry and pushing ${opts.seedDir} as an artifact…`);
  const registryDir = path.join(opts.dir, 'registry');
  await rm(registryDir, { recursive: true, force: true });
  const registry = await startRegistry({ dir: registryDir });
  cleanups.push(() => registry.stop());
  const workingDir = path.join(opts.dir, 'fleet');
  await rm(workingDir, { recursive: true, force: true });
  await cp(opts.seedDir, workingDir, { recursive: true });
  const client = new RegistryClient({ registry: registry.host, repository: 'fleet' });
  await pushArtifact({ client, tag: 'latest', layer: await archiveForPush(workingDir), meta: { source: workingDir } });
  const url = `oci://${registry.host}/fleet`;
  // A HelmChart cannot be built from an OCIRepository (nor in Flux), so a HelmRelease whose chart comes from
  // the dev GitRepository would never be Ready here: the Kustomization leaves it out, and says so.
  const gitCharts = gitSourcedHelmReleases(await readTree(workingDir));
  for (const hr of gitCharts)
    opts.log(
      `  leaving out HelmRelease ${hr.namespace}/${hr.name}: its chart comes from the Git repository --oci does not run`,
    );
  return {
    kind: 'OCIRepository',
    workingDir,
    artifactUrl: `${url}:latest`,
    patches: gitCharts.map((hr) => ({
      patch: `apiVersion: ${ApiVersions.helm}\nkind: HelmRelease\nmetadata:\n  name: ${hr.name}\n  namespace: ${hr.namespace}\n$patch: delete\n`,
      target: { kind: 'HelmRelease', name: hr.name, namespace: hr.namespace },
    })),
    objects: [
      {
        apiVersion: ApiVersions.source,
        kind: 'OCIRepository',
        metadata: { name: 'flux-system', namespace: 'flux-system' },
        // A short interval stands in for a registry webhook, so a push is applied within seconds.
        spec: { url, interval: '5s', ref: { tag: 'latest' } },
      },
    ],
  };
}

/** The Kustomization `flux-system` on the dev source: the whole tree, pruned, waited for. */
function bootstrapKustomization(kind: DevSource['kind'], patches: DevSource['patches']): KubeObject {
  return {
    apiVersion: ApiVersions.kustomize,
    kind: 'Kustomization',
    metadata: { name: 'flux-system', namespace: 'flux-system' },
    spec: {
      sourceRef: { kind, name: 'flux-system' },
      ...(patches?.length ? { patches } : {}),
      path: './',
      interval: '1m',
      prune: true,
      wait: true,
      timeout: '2m',
    },
  };
}

type WithConditions = KubeObject & { status?: { conditions?: { type: string; status: string; message: string }[] } };

const progressLine = (name: string, obj: WithConditions | undefined): string => {
  const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready');
  return `${name}: ${ready ? `${ready.status === 'True' ? '✔' : '…'} ${ready.message}` : 'waiting for the first reconcile'}`;
};

async function waitReady(
  client: KubeClient,
  objects: readonly { apiVersion: string; kind: string; name: string }[],
  log: (l: string) => void,
): Promise<void> {
  const lastSeen = new Map<string, string>();
  const show = (key: string, line: string): void => {
    if (lastSeen.get(key) !== line) log(`  ${line}`);
    lastSeen.set(key, line);
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    let allReady = true;
    for (const k of objects) {
      const obj = await client.get<WithConditions>({
        apiVersion: k.apiVersion,
        kind: k.kind,
        namespace: 'flux-system',
        name: k.name,
      });
      show(`${k.kind}/${k.name}`, progressLine(`${k.kind}/${k.name}`, obj));
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
        `${objects.map((o) => `${o.kind}/${o.name}`).join(', ')} (and the HelmReleases they apply) did not all become Ready within 3 minutes; see the messages above`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The HelmReleases in `files` whose chart is built from the GitRepository `flux-system/flux-system`. */
export function gitSourcedHelmReleases(files: Record<string, string>): { name: string; namespace: string }[] {
  const found: { name: string; namespace: string }[] = [];
  for (const [file, content] of Object.entries(files)) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(content)) {
      const o = doc.toJS() as {
        kind?: string;
        metadata?: { name?: string; namespace?: string };
        spec?: { chart?: { spec?: { sourceRef?: { kind?: string; name?: string; namespace?: string } } } };
      } | null;
      const ref = o?.spec?.chart?.spec?.sourceRef;
      if (o?.kind !== 'HelmRelease' || !o.metadata?.name || ref?.kind !== 'GitRepository') continue;
      const namespace = o.metadata.namespace ?? 'default';
      if (ref.name === 'flux-system' && (ref.namespace ?? namespace) === 'flux-system')
        found.push({ name: o.metadata.name, namespace });
    }
  }
  return found;
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
