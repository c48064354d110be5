import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiVersions } from '../../src/api/constants.ts';
import { defaultManagerConfig, type ManagerConfig } from '../../src/config/manager-config.ts';
import { commitFiles, startGitServer, type GitServer, type TestFileContent } from '../../src/devenv/git-server.ts';
import { install } from '../../src/install/install.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';
import type { KubeObject, ObjectRef } from '../../src/kube/types.ts';
import { startEngine, type RunningEngine } from '../../src/main.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { testControlPlane } from './control-plane.ts';

export const GIT_USER = 'tester';
export const GIT_PASSWORD = 'correct-horse-battery';

type Conditioned = KubeObject & {
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime?: string }[];
    [k: string]: unknown;
  };
};

/** A real control plane, a real Git server, the engine, and helpers for end-to-end tests. */
export interface TestEnv {
  kubeconfigPath: string;
  client: KubeClient;
  git: GitServer;
  engine: RunningEngine | undefined;
  tmp: string;
  /** Creates a repository and returns its URL. */
  createRepo(name: string, files: Record<string, TestFileContent>): Promise<string>;
  /** Commits to `main` of a repository and pushes. */
  commit(name: string, files: Record<string, TestFileContent>, message?: string): Promise<string>;
  /** Creates a namespace plus the Secret `git-auth` with the Git server's credentials. */
  namespace(name: string): Promise<string>;
  apply(obj: KubeObject): Promise<KubeObject>;
  get<T extends KubeObject = Conditioned>(ref: ObjectRef): Promise<T | undefined>;
  /** Polls until `check` returns a value (not undefined/false); fails with the last description. */
  waitFor<T>(
    what: string | (() => string),
    check: () => Promise<T | undefined | false>,
    timeoutMs?: number,
  ): Promise<T>;
  /** Waits until the object's Ready condition has `status` (and `reason`, when given). */
  waitForReady(
    ref: ObjectRef,
    expect?: { status?: string; reason?: string; messageIncludes?: string },
    timeoutMs?: number,
  ): Promise<Conditioned>;
  startEngine(overrides?: Partial<ManagerConfig>): Promise<RunningEngine>;
  stop(): Promise<void>;
}

export const gitRepository = (
  ns: string,
  name: string,
  url: string,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'GitRepository',
  metadata: { name, namespace: ns },
  spec: { url, interval: '1m', ref: { branch: 'main' }, secretRef: { name: 'git-auth' }, ...spec },
});

export const kustomization = (
  ns: string,
  name: string,
  source: string,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: ApiVersions.kustomize,
  kind: 'Kustomization',
  metadata: { name, namespace: ns },
  spec: {
    sourceRef: { kind: 'GitRepository', name: source },
    interval: '1m',
    prune: true,
    path: './',
    timeout: '40s',
    ...spec,
  },
});

export const ref = (apiVersion: string, kind: string, namespace: string | undefined, name: string): ObjectRef =>
  namespace ? { apiVersion, kind, namespace, name } : { apiVersion, kind, name };
export const gitRepoRef = (ns: string, name: string): ObjectRef => ref(ApiVersions.source, 'GitRepository', ns, name);
export const ksRef = (ns: string, name: string): ObjectRef => ref(ApiVersions.kustomize, 'Kustomization', ns, name);

/** Starts the whole environment; pass `engine: false` to start the engine yourself. */
export async function startTestEnv(opts: { engine?: boolean; config?: Partial<ManagerConfig> } = {}): Promise<TestEnv> {
  const cp = await testControlPlane();
  const tmp = await mkdtemp(path.join(tmpdir(), 'driftless-e2e-'));
  const client = new KubeClient({ kubeConfig: loadKubeConfig(cp.kubeconfigPath) });
  await install(client, { crdsOnly: true });
  const git = await startGitServer({ root: path.join(tmp, 'repos'), username: GIT_USER, password: GIT_PASSWORD });
  const engines: RunningEngine[] = [];

  const env: TestEnv = {
    kubeconfigPath: cp.kubeconfigPath,
    client,
    git,
    engine: undefined,
    tmp,
    async createRepo(name, files) {
      await git.createRepo(name, { files, branch: 'main' });
      return git.repoUrl(name);
    },
    async commit(name, files, message = 'change') {
      const { sha } = await commitFiles({
        repoUrl: git.repoUrl(name),
        username: GIT_USER,
        password: GIT_PASSWORD,
        files,
        message,
      });
      return sha;
    },
    async namespace(name) {
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'e2e' });
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'git-auth', namespace: name },
          stringData: { username: GIT_USER, password: GIT_PASSWORD },
        },
        { fieldManager: 'e2e' },
      );
      return name;
    },
    apply: (obj) => client.apply(obj, { fieldManager: 'e2e' }),
    get: (r) => client.get(r),
    async waitFor(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let lastErr: unknown;
      for (;;) {
        try {
          const v = await check();
          if (v !== undefined && v !== false) return v as never;
        } catch (err) {
          lastErr = err;
        }
        if (Date.now() > deadline) {
          const described = typeof what === 'function' ? what() : what;
          throw new Error(
            `timed out after ${timeoutMs} ms waiting for ${described}${lastErr ? `: ${String(lastErr)}` : ''}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async waitForReady(r, expect = {}, timeoutMs = 60_000) {
      const status = expect.status ?? 'True';
      let last = '';
      return await env.waitFor(
        () =>
          `${r.kind}/${r.namespace}/${r.name} Ready=${status}${expect.reason ? ` ${expect.reason}` : ''} (last seen: ${last})`,
        async () => {
          const obj = await client.get<Conditioned>(r);
          const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready');
          last = ready ? `${ready.status} ${ready.reason}: ${ready.message}` : 'no Ready condition';
          const ok =
            ready?.status === status &&
            (!expect.reason || ready.reason === expect.reason) &&
            (!expect.messageIncludes || ready.message.includes(expect.messageIncludes)) &&
            // Flux moves observedGeneration only on success (or stall), so only Ready=True waits for it.
            (status !== 'True' ||
              obj?.metadata.generation ===
                (obj?.status as { observedGeneration?: number } | undefined)?.observedGeneration);
          return ok ? obj : undefined;
        },
        timeoutMs,
      );
    },
    async startEngine(overrides = {}) {
      const engine = await startEngine(
        {
          ...defaultManagerConfig(),
          kubeconfig: cp.kubeconfigPath,
          metricsAddr: '127.0.0.1:0',
          healthAddr: '127.0.0.1:0',
          storageAddr: '127.0.0.1:0',
          receiverAddr: '127.0.0.1:0',
          eventsAddr: '127.0.0.1:0',
          webAddr: '127.0.0.1:0',
          storagePath: path.join(tmp, `storage-${engines.length}`),
          logLevel: process.env['DRIFTLESS_TEST_LOG'] ?? 'silent',
          ...overrides,
        },
        { logger: createLogger({ level: process.env['DRIFTLESS_TEST_LOG'] ?? 'silent' }) },
      );
      engines.push(engine);
      env.engine ??= engine;
      return engine;
    },
    async stop() {
      for (const e of engines) await e.stop().catch(() => undefined);
      await git.stop().catch(() => undefined);
      await cp.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
  if (opts.engine !== false) await env.startEngine(opts.config);
  return env;
}
