// The Helm chart and the kustomize base (deploy/) against the real helm and kustomize: linted, rendered, and
// equal to what `driftless install` applies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/types.ts';
import { installManifests } from './manifests.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(
  process.env['DRIFTLESS_CACHE'] ?? path.join(process.env['HOME'] ?? '', '.cache/driftless'),
  'bin',
);
const opts = { cwd: root, maxBuffer: 64 * 1024 * 1024 };
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const parse = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
const byKey = (objs: KubeObject[]) => new Map(objs.map((o) => [key(o), o]));

test('helm lint passes and helm template renders exactly the install objects (the Namespace left to helm)', async () => {
  const lint = await run(path.join(bin, 'helm'), ['lint', '--strict', 'deploy/chart'], opts);
  assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  const digest = `sha256:${'b'.repeat(64)}`;
  const rendered = await run(
    path.join(bin, 'helm'),
    ['template', 'driftless', 'deploy/chart', '-n', 'ops', '--include-crds', '--set', `image.digest=${digest}`],
    opts,
  );
  const expected = installManifests({ namespace: 'ops', image: `driftless:0.1.0@${digest}`, version: '0.1.0' }).filter(
    (o) => o.kind !== 'Namespace',
  );
  assert.deepEqual(byKey(parse(rendered.stdout)), byKey(expected));
  const restricted = await run(
    path.join(bin, 'helm'),
    ['template', 'driftless', 'deploy/chart', '-n', 'ops', '--set', 'clusterReconciler=false'],
    opts,
  );
  assert.ok(!restricted.stdout.includes('driftless-cluster-reconciler'));
  assert.ok(restricted.stdout.includes('name: driftless-manager'));
});

test('kustomize build of the base is exactly `driftless install --export`', async () => {
  const built = await run(path.join(bin, 'kustomize'), ['build', 'deploy/kustomize'], opts);
  assert.deepEqual(byKey(parse(built.stdout)), byKey(installManifests({ version: '0.1.0' })));
});

test('the dashboard Ingress: off in the chart by default, on with web.ingress.*, and in the kustomize example', async () => {
  const ingressOf = (objs: KubeObject[]) => objs.find((o) => o.kind === 'Ingress');
  const plain = await run(path.join(bin, 'helm'), ['template', 'driftless', 'deploy/chart', '-n', 'ops'], opts);
  assert.equal(ingressOf(parse(plain.stdout)), undefined);
  const values = ['web.ingress.enabled=true', 'web.ingress.host=gitops.example.org', 'web.ingress.tlsSecretName=tls'];
  const on = await run(
    path.join(bin, 'helm'),
    ['template', 'driftless', 'deploy/chart', '-n', 'ops', ...values.flatMap((v) => ['--set', v])],
    opts,
  );
  const backend = { service: { name: 'driftless-web', port: { number: 9080 } } };
  assert.deepEqual(ingressOf(parse(on.stdout))?.['spec'], {
    tls: [{ hosts: ['gitops.example.org'], secretName: 'tls' }],
    rules: [{ host: 'gitops.example.org', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
  });
  const example = await run(path.join(bin, 'kustomize'), ['build', 'deploy/examples/web-ingress'], opts);
  const objs = parse(example.stdout);
  const rules = ingressOf(objs)?.['spec'] as { rules: { http: { paths: { backend: unknown }[] } }[] };
  assert.deepEqual(rules.rules[0]?.http.paths[0]?.backend, backend);
  const service = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'driftless-web');
  assert.deepEqual((service?.['spec'] as { ports: unknown[] }).ports, [
    { name: 'http', port: 9080, protocol: 'TCP', targetPort: 'http-web' },
  ]);
});
