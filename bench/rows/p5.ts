// P5 (push -> applied through a Receiver webhook, p50/p95 over 20 pushes) and P6 (an applied object changed with
// `kubectl edit`: time until the engine puts it back; Flux only does so on its next interval).
import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeObject } from '../../src/kube/types.ts';
import { p5Fixture } from '../fixtures.ts';
import { delta } from '../measure.ts';
import { pollUntil } from '../readiness.ts';
import { percentile, type Line } from '../report.ts';
import { FluxApi, waitReady, withEngine, type Session, type Turn } from '../session.ts';
import { alternate, toLines, type Measured } from './common.ts';
import { createKustomizations } from './p1.ts';

/** Interval of P5/P6's Kustomization: Flux corrects drift only when it comes round. */
const INTERVAL = '1m';
const TOKEN = 'bench-webhook-token';

type ConfigMap = KubeObject & { data?: Record<string, string> };
type Receiver = KubeObject & { status?: { webhookPath?: string } };

/** Polls the pushed ConfigMap every 50 ms until its `data.push` is `want`; returns ms since `since`. */
async function waitPush(s: Session, t: Turn, want: string, since: number, timeoutMs: number): Promise<number> {
  await pollUntil({
    what: `ConfigMap pushed to have push=${want}`,
    check: async () => {
      const cm = await s.client.get<ConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: t.ns,
        name: 'pushed',
      });
      return { done: cm?.data?.['push'] === want, progress: `push=${cm?.data?.['push'] ?? 'absent'}` };
    },
    timeoutMs,
    intervalMs: 50,
    failIf: () => t.engine.exited(),
    log: () => undefined,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  });
  return performance.now() - since;
}

/** Creates the token Secret and a generic Receiver for the turn's GitRepository; returns its webhook URL. */
async function receiverUrl(s: Session, t: Turn): Promise<string> {
  if (!t.engine.receiverUrl) throw new Error(`${t.engine.name} runs no webhook receiver`);
  await s.client.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'webhook-token', namespace: t.ns },
      stringData: { token: TOKEN },
    },
    { fieldManager: 'bench' },
  );
  const ref = { apiVersion: FluxApi.notification, kind: 'Receiver', namespace: t.ns, name: 'push' };
  await s.client.apply(
    {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, namespace: t.ns },
      spec: {
        type: 'generic',
        secretRef: { name: 'webhook-token' },
        resources: [{ apiVersion: FluxApi.source, kind: 'GitRepository', name: 'bench' }],
      },
    },
    { fieldManager: 'bench' },
  );
  await waitReady(s, t.engine, ref, t.log);
  const receiver = await s.client.get<Receiver>(ref);
  const hook = receiver?.status?.webhookPath;
  if (!hook) throw new Error('the Receiver is Ready but has no status.webhookPath');
  return new URL(hook, t.engine.receiverUrl).toString();
}

/** `kubectl edit` with an editor that rewrites `push:`; the edit is a real client-side edit, as a person makes. */
async function kubectlEdit(s: Session, t: Turn, editor: string): Promise<void> {
  const child = spawn(
    s.opts.kubectlBin,
    ['--kubeconfig', s.env.kubeconfigPath, 'edit', '-n', t.ns, 'configmap', 'pushed'],
    { env: { ...process.env, KUBE_EDITOR: editor, EDITOR: editor }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`kubectl edit failed (${String(code)}): ${stderr.trim()}`);
}

/** Pushes `pushes` commits, each followed by a webhook call, and records p50/p95 of push -> applied. */
async function measurePushes(s: Session, t: Turn, pushes: number, m: Measured): Promise<void> {
  const hook = await receiverUrl(s, t);
  const latencies: number[] = [];
  const before = await t.snapshot();
  for (let i = 1; i <= pushes; i++) {
    await s.env.commit(t.repo as string, p5Fixture(i).files, `push ${i}`);
    const pushed = performance.now();
    const res = await fetch(hook, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    latencies.push(await waitPush(s, t, String(i), pushed, 120_000));
  }
  const d = delta(before, await t.snapshot());
  t.log(`pushes applied after ${latencies.map((l) => (l / 1000).toFixed(2)).join(' ')} s`);
  Object.assign(m, {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    pushCpu: d.cpuSeconds / pushes,
  });
}

/** Runs P5 (`pushes` pushes) and P6 on both engines; Flux's side needs notification-controller for P5. */
export async function runP5(s: Session, pushes: number, repetitions: number): Promise<Line[]> {
  const fluxReceiver = s.flux['notification-controller'] !== undefined;
  const editor = path.join(s.env.tmp, 'drift-editor.sh');
  await writeFile(editor, `#!/bin/sh\nsed -i 's/^  push: .*/  push: drifted/' "$1"\n`);
  await chmod(editor, 0o755);
  const outcomes = await alternate(s, repetitions, (engine, m: Measured) =>
    withEngine(s, { row: 'p5', engine, files: p5Fixture(0).files, receiver: fluxReceiver }, async (t) => {
      await createKustomizations(s, t.ns, p5Fixture(0).units, INTERVAL);
      await waitReady(
        s,
        t.engine,
        { apiVersion: FluxApi.kustomize, kind: 'Kustomization', namespace: t.ns, name: 'app' },
        t.log,
      );
      if (t.engine.receiverUrl) await measurePushes(s, t, pushes, m);
      else t.log('no webhook receiver: P5 skipped');
      await kubectlEdit(s, t, editor);
      const edited = performance.now();
      t.log('edited ConfigMap pushed with kubectl edit; waiting for the engine to revert it');
      const current = t.engine.receiverUrl ? String(pushes) : '0';
      m['drift'] = await waitPush(s, t, current, edited, 150_000);
    }),
  );
  const note = fluxReceiver
    ? undefined
    : 'notification-controller is not provisioned (scripts/provision.sh bench): Flux has no Receiver, P5 is Driftless only';
  return [
    ...toLines(
      `P5 ${pushes} pushes`,
      [
        { id: 'p50', metric: 'push -> applied p50 (Receiver webhook)', unit: 'ms', target: { max: 2000 } },
        { id: 'p95', metric: 'push -> applied p95', unit: 'ms' },
        { id: 'pushCpu', metric: 'CPU-seconds per push', unit: 'cpu' },
      ],
      outcomes,
      {},
      note,
    ),
    ...toLines(
      'P6 drift',
      [
        {
          id: 'drift',
          metric: `kubectl edit -> reverted (interval ${INTERVAL}; Flux: next interval)`,
          unit: 'ms',
          target: { max: 5000 },
        },
      ],
      outcomes,
    ),
  ];
}
