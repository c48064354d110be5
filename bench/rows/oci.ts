// O (Driftless only): N OCIRepositories, each its own repository in a local registry, feeding one Kustomization
// each, beside the same N through GitRepositories (one repository each on the Git server): time from the first
// create until every Kustomization is Ready, CPU, peak RSS and API requests of the Driftless process.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRegistry } from '../../src/devenv/oci-registry.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { gitRepository, kustomization } from '../../test/support/env.ts';
import { mapLimited } from '../baseline.ts';
import { appName, oneConfigMapApp } from '../fixtures.ts';
import { delta, totalRequests } from '../measure.ts';
import { fluxReady, pollUntil } from '../readiness.ts';
import type { Line } from '../report.ts';
import { FluxApi, withEngine, type Session, type Turn } from '../session.ts';
import { collectRow } from './common.ts';

/** The two ways the row delivers the same applications. */
export const OCI_ROW_SOURCES = ['OCIRepository', 'GitRepository'] as const;
export type OciRowSource = (typeof OCI_ROW_SOURCES)[number];

/** The tag every artifact of the row is pushed to. */
export const OCI_ROW_TAG = 'v1';

/** The order of the two source kinds in a repetition: OCI first, swapped on every other repetition; pure. */
export const sourceOrder = (repetition: number): OciRowSource[] =>
  repetition % 2 === 0 ? ['OCIRepository', 'GitRepository'] : ['GitRepository', 'OCIRepository'];

/**
 * Application `name`'s source in `ns` (interval 60m, so nothing but the first fetch is measured): an OCIRepository
 * on tag {@link OCI_ROW_TAG} of `url` (`oci://`, plain HTTP), or a GitRepository on `main` of `url`; pure.
 */
export function appSource(kind: OciRowSource, ns: string, name: string, url: string): KubeObject {
  if (kind === 'GitRepository') return gitRepository(ns, name, url, { interval: '60m' });
  return {
    apiVersion: FluxApi.source,
    kind: 'OCIRepository',
    metadata: { name, namespace: ns },
    spec: { url, ref: { tag: OCI_ROW_TAG }, insecure: true, interval: '60m' },
  };
}

/** Application `name`'s Kustomization over its own source, the tree's root, no `wait` (one ConfigMap); pure. */
export function appKustomization(kind: OciRowSource, ns: string, name: string, timeout: string): KubeObject {
  return kustomization(ns, name, name, {
    sourceRef: { kind, name },
    path: './',
    targetNamespace: ns,
    wait: false,
    interval: '60m',
    retryInterval: '30s',
    timeout,
  });
}

/**
 * Runs the row: one registry for it, then per repetition a turn for each source kind (fresh namespace, fresh
 * Driftless). Before the clock, the N artifacts are pushed (one registry repository each, the project's own push)
 * or the N Git repositories created; the clock runs from the first create until all N Kustomizations are Ready.
 */
export async function runOci(s: Session, n: number, repetitions: number): Promise<Line[]> {
  const apps = Array.from({ length: n }, (_, i) => appName(i));
  s.opts.log('starting a local OCI registry');
  const registry = await startRegistry({ dir: path.join(s.env.tmp, 'oci-registry') });
  const rows = new Map(OCI_ROW_SOURCES.map((kind) => [kind, { collector: collectRow(), errors: [] as string[] }]));
  try {
    for (let r = 0; r < repetitions; r++)
      for (const kind of sourceOrder(r)) {
        const { collector, errors } = rows.get(kind)!;
        try {
          await withEngine(s, { row: `o-${kind === 'OCIRepository' ? 'oci' : 'git'}`, engine: 'driftless' }, (t) =>
            turn(s, t, kind, apps, registry.host, collector.put),
          );
        } catch (err) {
          s.opts.signal?.throwIfAborted();
          errors.push(err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err));
        }
      }
  } finally {
    await registry.stop();
  }
  return OCI_ROW_SOURCES.flatMap((kind) => {
    const { collector, errors } = rows.get(kind)!;
    return collector.lines(`O N=${n} via ${kind}`, errors);
  });
}

async function turn(
  s: Session,
  t: Turn,
  kind: OciRowSource,
  apps: readonly string[],
  registryHost: string,
  put: ReturnType<typeof collectRow>['put'],
): Promise<void> {
  t.log(kind === 'OCIRepository' ? `pushing ${apps.length} artifacts` : `creating ${apps.length} Git repositories`);
  const urls = await mapLimited(apps, 8, async (app) => {
    if (kind === 'GitRepository') return await s.env.createRepo(`${t.ns}-${app}`, oneConfigMapApp(app));
    const repository = `${t.ns}/${app}`;
    const client = new RegistryClient({ registry: registryHost, repository, insecure: true });
    await pushArtifact({
      client,
      tag: OCI_ROW_TAG,
      layer: await archiveTree(s, t, app),
      meta: {},
    });
    return `oci://${registryHost}/${repository}`;
  });
  const timeout = `${Math.ceil(s.opts.timeoutMs / 1000)}s`;
  const before = await t.snapshot();
  t.log(
    `creating ${apps.length} ${kind === 'OCIRepository' ? 'OCIRepositories' : 'GitRepositories'} and their Kustomizations`,
  );
  await mapLimited(
    apps.map((app, i) => ({ app, url: urls[i]! })),
    16,
    async ({ app, url }) => {
      await s.client.apply(appSource(kind, t.ns, app, url), { fieldManager: 'bench' });
      await s.client.apply(appKustomization(kind, t.ns, app, timeout), { fieldManager: 'bench' });
    },
  );
  const marks = await waitWithMilestones(s, t, kind, apps.length);
  const d = delta(before, await t.snapshot());
  put('time to all Ready', 'ms', d.ms);
  put(
    `time to all ${kind === 'OCIRepository' ? 'OCIRepositories' : 'GitRepositories'} Ready`,
    'ms',
    sinceStart(marks.sources, before.at),
  );
  put('time to 95% of Kustomizations Ready', 'ms', sinceStart(marks.kustomizations95, before.at));
  put('Kustomizations Ready per second', 'count', apps.length / (d.ms / 1000));
  put('CPU-seconds (Driftless + reaped kustomize)', 'cpu', d.cpuSeconds);
  put('peak RSS (VmHWM)', 'bytes', d.peakRssBytes);
  put('API requests (rest_client_requests_total)', 'count', totalRequests(d));
  put('machine load average (1 min) when all were Ready', 'count', os.loadavg()[0]);
  t.log(`all Ready in ${(d.ms / 1000).toFixed(1)} s`);
}

/** The artifact of `app`: its files written under the turn's work directory, archived as `push artifact` does. */
async function archiveTree(s: Session, t: Turn, app: string): Promise<Buffer> {
  const dir = path.join(s.env.tmp, `${t.ns}-artifacts`, app);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(oneConfigMapApp(app))) await writeFile(path.join(dir, file), text);
  return await archiveForPush(dir);
}

/** When (performance.now()) a turn first saw all its sources Ready, and 95% of its Kustomizations. */
export type Milestones = { sources?: number; kustomizations95?: number };

/**
 * Records the milestones one poll reached at `at` (the first time only): every source Ready, and at least 95% of
 * the `n` Kustomizations (rounded up). The gap between 95% and all shows Kustomizations that waited out their
 * `retryInterval` after finding their source without an artifact; pure.
 */
export function noteMilestones(
  m: Milestones,
  at: number,
  ready: { sources: number; kustomizations: number },
  n: number,
): Milestones {
  return {
    ...m,
    ...(m.sources === undefined && ready.sources >= n ? { sources: at } : {}),
    ...(m.kustomizations95 === undefined && ready.kustomizations >= Math.ceil(n * 0.95)
      ? { kustomizations95: at }
      : {}),
  };
}

/** Milliseconds from `start` to a milestone, or undefined when it was not seen; pure. */
export const sinceStart = (at: number | undefined, start: number): number | undefined =>
  at === undefined ? undefined : at - start;

/**
 * Waits until all `n` Kustomizations are Ready, listing sources and Kustomizations once a second; once 95% are
 * Ready, logs the Ready messages of the others once (why they straggle).
 */
async function waitWithMilestones(s: Session, t: Turn, kind: OciRowSource, n: number): Promise<Milestones> {
  type Flux = Parameters<typeof fluxReady>[0];
  let marks: Milestones = {};
  const list = async (apiVersion: string, k: string): Promise<Flux[]> =>
    (await s.client.list<Flux>(apiVersion, k, { namespace: t.ns })).items;
  await pollUntil({
    what: `${n} Kustomizations to be Ready`,
    check: async () => {
      const [sources, kustomizations] = await Promise.all([
        list(FluxApi.source, kind),
        list(FluxApi.kustomize, 'Kustomization'),
      ]);
      const ready = {
        sources: sources.filter((o) => fluxReady(o).ready).length,
        kustomizations: kustomizations.filter((o) => fluxReady(o).ready).length,
      };
      const before95 = marks.kustomizations95 === undefined;
      marks = noteMilestones(marks, performance.now(), ready, n);
      if (before95 && marks.kustomizations95 !== undefined && ready.kustomizations < n)
        for (const ks of kustomizations.filter((o) => !fluxReady(o).ready)) {
          const c = ks.status?.conditions?.find((x) => x.type === 'Ready') as { message?: string } | undefined;
          t.log(`not Ready yet: ${ks.metadata.name}: ${c?.message ?? 'no Ready condition'}`);
        }
      return {
        done: ready.kustomizations === n,
        progress: `${ready.sources}/${n} ${kind} and ${ready.kustomizations}/${n} Kustomizations Ready`,
      };
    },
    timeoutMs: s.opts.timeoutMs,
    failIf: () => t.engine.exited(),
    log: t.log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
  return marks;
}
