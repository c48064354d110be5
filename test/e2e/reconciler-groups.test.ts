// Reconciler groups by flag: the notification side in a process of its own (`--controllers=notification,operator`),
// source and kustomize in another that sends its events there over HTTP (`--events-addr=http://…/`), as Flux's
// controllers send theirs to notification-controller. The FluxReport lists what its process serves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { ControlPlaneApiVersion, FluxReportName } from '../../src/api/flux-report.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';
import { freePort, runDriftlessToExit, startDriftless, type DriftlessProcess } from '../support/driftless-process.ts';

let env: TestEnv;
let hook: Server;
let hookUrl = '';
const received: { reason?: string; involvedObject?: { kind: string; name: string }; reportingInstance?: string }[] = [];
const processes: DriftlessProcess[] = [];
const ns = 'groups';

before(async () => {
  hook = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(raw || '{}') as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  env = await startTestEnv({ engine: false });
  await env.namespace(ns);
  await env.namespace('flux-system');
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'hook', namespace: ns },
    spec: { type: 'generic', address: hookUrl },
  });
  await env.apply({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Alert',
    metadata: { name: 'hook', namespace: ns },
    spec: {
      providerRef: { name: 'hook' },
      eventSeverity: 'info',
      eventSources: [{ kind: 'Kustomization', name: '*' }],
    },
  });
  const url = await env.createRepo('groups', {
    'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grouped\n  namespace: ${ns}\n`,
  });
  const eventsPort = await freePort();
  processes.push(
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'notify',
      storageRoot: env.tmp,
      args: ['--controllers=notification,operator', `--events-addr=127.0.0.1:${eventsPort}`],
    }),
  );
  processes.push(
    await startDriftless({
      kubeconfig: env.kubeconfigPath,
      identity: 'apply',
      storageRoot: env.tmp,
      args: ['--controllers=source-controller,kustomize-controller', `--events-addr=http://127.0.0.1:${eventsPort}/`],
    }),
  );
  await env.apply(gitRepository(ns, 'groups', url));
  await env.apply(kustomization(ns, 'groups', 'groups'));
});
after(async () => {
  for (const p of processes) p.kill();
  await env?.stop();
  hook?.close();
});

test('the kustomize process applies; its events reach the Alert served by the notification process', async () => {
  await env.waitForReady(ksRef(ns, 'groups'), {}, 90_000);
  const event = await env.waitFor(
    () => `a Kustomization event at the webhook (got ${JSON.stringify(received.map((e) => e.reason))})`,
    async () =>
      received.find((e) => e.involvedObject?.kind === 'Kustomization' && e.reason === 'ReconciliationSucceeded'),
  );
  assert.equal(event.involvedObject?.name, 'groups');
  assert.equal(event.reportingInstance, 'apply', 'sent by the process that reconciled it');
});

test('the FluxReport lists the components of the process that serves it, and only those', async () => {
  const report = await env.waitFor('the FluxReport with its components', async () => {
    const r = (await env.get({
      apiVersion: ControlPlaneApiVersion,
      kind: 'FluxReport',
      namespace: 'flux-system',
      name: FluxReportName,
    })) as (KubeObject & { spec?: { components?: { name: string; ready: boolean; status: string }[] } }) | undefined;
    return r?.spec?.components?.length ? r : undefined;
  });
  assert.deepEqual(
    report.spec?.components?.map((c) => c.name),
    ['notification-controller'],
  );
  assert.match(report.spec?.components?.[0]?.status ?? '', /in manager notify$/);
});

test('an unknown reconciler group stops the start, naming the known ones', () => {
  const r = runDriftlessToExit(['--kubeconfig', env.kubeconfigPath, '--controllers=source,sauce']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown reconciler group "sauce"/);
  assert.match(r.stderr, /known: source, kustomize, helm, notification, image, operator/);
  // Groups this version lacks are refused the same way (unit test: src/config/flags.test.ts).
});
