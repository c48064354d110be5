import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { readInstance } from './instance.ts';
import { installManifests } from './manifests.ts';
import type { KubeObject } from '../kube/types.ts';

const available = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
  'image-reflector-controller',
  'image-automation-controller',
  'source-watcher',
];
const instanceYaml = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  stringify({
    apiVersion: 'fluxcd.controlplane.io/v1',
    kind: 'FluxInstance',
    metadata: { name: 'flux', namespace: 'flux-system', ...metadata },
    spec: { distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' }, ...spec },
  });
const read = (spec: Record<string, unknown>, metadata?: Record<string, unknown>) =>
  readInstance(instanceYaml(spec, metadata), 'flux.yaml', 'flux-system', available);

interface Container {
  args: string[];
}
const deployments = (objects: KubeObject[]) =>
  Object.fromEntries(
    objects
      .filter((o) => o.kind === 'Deployment')
      .map((o) => {
        const spec = o['spec'] as { template: { spec: { containers: Container[] } } };
        return [o.metadata.name, spec.template.spec.containers[0]!.args];
      }),
  );

test('spec.components become the main Deployment’s --controllers (plus the operator group)', () => {
  const instance = read({ components: ['source-controller', 'kustomize-controller', 'notification-controller'] });
  const objects = installManifests({ version: '0.1.0', instance });
  const args = deployments(objects)['driftless'] ?? [];
  assert.ok(args.includes('--controllers=source-controller,kustomize-controller,notification-controller,operator'));
  assert.ok(!args.some((a) => a.startsWith('--watch-label-selector')));
  assert.deepEqual(Object.keys(deployments(objects)), ['driftless']);
  // The instance itself is applied last, in the install namespace.
  const last = objects.at(-1);
  assert.equal(last?.kind, 'FluxInstance');
  assert.equal(last?.metadata.namespace, 'flux-system');
});

test('without spec.components the manager runs every group (no --controllers flag)', () => {
  const args = deployments(installManifests({ version: '0.1.0', instance: read({}) }))['driftless'] ?? [];
  assert.ok(!args.some((a) => a.startsWith('--controllers')));
  assert.deepEqual(
    deployments(installManifests({ version: '0.1.0' }))['driftless'],
    args,
    'an instance without components or sharding installs what a plain install does',
  );
});

test('spec.sharding: the main Deployment takes !key, one Deployment and artifact Service per shard', () => {
  const instance = read({
    components: ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
    sharding: { key: 'example.com/shard', shards: ['shard1', 'shard2'] },
  });
  const objects = installManifests({ version: '0.1.0', instance });
  const deploys = deployments(objects);
  assert.deepEqual(Object.keys(deploys), ['driftless', 'driftless-shard1', 'driftless-shard2']);
  assert.ok(deploys['driftless']?.includes('--watch-label-selector=!example.com/shard'));
  assert.deepEqual(deploys['driftless-shard1'], [
    '--enable-leader-election',
    '--controllers=source-controller,kustomize-controller,helm-controller',
    '--watch-label-selector=example.com/shard=shard1',
    '--storage-adv-addr=source-controller-shard1.$(RUNTIME_NAMESPACE).svc.cluster.local.',
    '--storage-path=/data',
    '--metrics-addr=:8080',
    '--health-addr=:9440',
    '--storage-addr=:9090',
    '--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./',
    '--web-addr=0',
  ]);
  // Each shard's Pods carry their own component label, so the main Services never select them.
  const services = objects.filter((o) => o.kind === 'Service');
  const selectorOf = (name: string) =>
    (services.find((s) => s.metadata.name === name)?.['spec'] as { selector: Record<string, string> }).selector;
  assert.equal(selectorOf('source-controller')['app.kubernetes.io/component'], 'manager');
  assert.equal(selectorOf('source-controller-shard2')['app.kubernetes.io/component'], 'manager-shard2');
  const shardDeploy = objects.find((o) => o.metadata.name === 'driftless-shard2')?.['spec'] as {
    selector: { matchLabels: Record<string, string> };
  };
  assert.deepEqual(shardDeploy.selector.matchLabels, selectorOf('source-controller-shard2'));
});

test('the default key is sharding.fluxcd.io/key, and a shard runs only the listed shardable components', () => {
  const instance = read({
    components: ['source-controller', 'kustomize-controller', 'notification-controller'],
    sharding: { shards: ['a'] },
  });
  const deploys = deployments(installManifests({ version: '0.1.0', instance }));
  assert.ok(deploys['driftless']?.includes('--watch-label-selector=!sharding.fluxcd.io/key'));
  assert.ok(deploys['driftless-a']?.includes('--controllers=source-controller,kustomize-controller'));
  assert.ok(deploys['driftless-a']?.includes('--watch-label-selector=sharding.fluxcd.io/key=a'));
  // Without notification-controller in the main Deployment, shards have nowhere to send events.
  const quiet = read({ components: ['source-controller', 'kustomize-controller'], sharding: { shards: ['a'] } });
  assert.ok(!deployments(installManifests({ instance: quiet }))['driftless-a']?.some((a) => a.startsWith('--events')));
});

test('sharding.storage persistent is refused by name; ephemeral is what shards do', () => {
  assert.throws(
    () => read({ sharding: { shards: ['a'], storage: 'persistent' } }),
    /flux\.yaml: FluxInstance flux: spec\.sharding\.storage: persistent is not supported by Driftless \(NotSupported\).*set it to ephemeral or remove it/,
  );
  assert.doesNotThrow(() => read({ sharding: { shards: ['a'], storage: 'ephemeral' } }));
});

test('bad instances are refused before anything is applied, naming the file and field', () => {
  assert.throws(
    () => read({ sharding: { shards: ['Shard_1', 'a', 'a'] } }),
    (err: Error) => {
      assert.match(err.message, /shard "Shard_1" must be lowercase/);
      assert.match(err.message, /shard "a" is listed twice/);
      return true;
    },
  );
  assert.throws(
    () => read({ components: ['notification-controller'], sharding: { shards: ['a'] } }),
    /lists none of source-controller, kustomize-controller, helm-controller: a shard would run nothing/,
  );
  assert.throws(
    () => read({}, { namespace: 'other' }),
    /metadata\.namespace is other but the install namespace is flux-system/,
  );
  assert.throws(() => read({}, { name: 'main' }), /metadata\.name must be flux/);
  assert.throws(
    () =>
      readInstance(instanceYaml({ components: ['helm-controller'] }), 'f.yaml', 'flux-system', ['source-controller']),
    /spec\.components: helm-controller is not available in this Driftless version/,
  );
  assert.throws(
    () => readInstance('kind: ConfigMap\n', 'f.yaml', 'flux-system', available),
    /exactly one FluxInstance, found 0/,
  );
});
