import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  leaseNameFor,
  parseControllers,
  parseFeatureGates,
  parseGoBool,
  parseLabelSelector,
  refusedFlagsMessage,
  shardLeaseName,
} from './flags.ts';

void test('Go booleans: strconv.ParseBool spellings, anything else refused', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(v), true, v);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(v), false, v);
  for (const v of ['yes', 'no', '', 'tRUE', '2']) assert.throws(() => parseGoBool(v), /not a boolean/, v);
});

void test('label selectors as Flux --watch-label-selector reads them', () => {
  assert.deepEqual(parseLabelSelector('sharding.fluxcd.io/key=shard1'), [
    { key: 'sharding.fluxcd.io/key', operator: 'in', values: ['shard1'] },
  ]);
  assert.deepEqual(parseLabelSelector('!sharding.fluxcd.io/key'), [
    { key: 'sharding.fluxcd.io/key', operator: 'notexists', values: [] },
  ]);
  assert.deepEqual(parseLabelSelector('sharding.fluxcd.io/key notin (shard1, shard2),team==a,env!=prod,x'), [
    { key: 'sharding.fluxcd.io/key', operator: 'notin', values: ['shard1', 'shard2'] },
    { key: 'team', operator: 'in', values: ['a'] },
    { key: 'env', operator: 'notin', values: ['prod'] },
    { key: 'x', operator: 'exists', values: [] },
  ]);
  assert.deepEqual(parseLabelSelector('k in (a)'), [{ key: 'k', operator: 'in', values: ['a'] }]);
  assert.deepEqual(parseLabelSelector('k='), [{ key: 'k', operator: 'in', values: [''] }]);
});

void test('label selectors that do not parse are refused with the reason', () => {
  assert.throws(() => parseLabelSelector(''), /empty/);
  assert.throws(() => parseLabelSelector('a=b,'), /empty requirement/);
  assert.throws(() => parseLabelSelector('k in (a,b'), /unbalanced "\("/);
  assert.throws(() => parseLabelSelector('k in a,b)'), /unbalanced "\)"|not a label requirement/);
  assert.throws(() => parseLabelSelector('k in ()'), /needs at least one value/);
  assert.throws(() => parseLabelSelector('Sharding.FluxCD.io/key=a'), /prefix must be a DNS subdomain/);
  assert.throws(() => parseLabelSelector('-bad=a'), /name must be/);
  assert.throws(() => parseLabelSelector(`k=${'a'.repeat(64)}`), /at most 63/);
  assert.throws(() => parseLabelSelector('k=a b'), /not a label requirement/);
  assert.throws(() => parseLabelSelector('k>1'), /> and < operators/);
  assert.throws(() => parseLabelSelector('k=a=b'), /not a label requirement/);
});

void test('each shard has its own Lease name; no selector keeps the base name', () => {
  assert.equal(shardLeaseName('driftless-leader-election', undefined), 'driftless-leader-election');
  const a = shardLeaseName('driftless-leader-election', 'sharding.fluxcd.io/key=shard1');
  const b = shardLeaseName('driftless-leader-election', 'sharding.fluxcd.io/key=shard2');
  assert.match(a, /^driftless-leader-election-[0-9a-f]{9}$/);
  assert.notEqual(a, b);
  assert.equal(a, shardLeaseName('driftless-leader-election', 'sharding.fluxcd.io/key=shard1'));
});

const available = ['source-controller', 'kustomize-controller', 'notification-controller'];

void test('--controllers: short names and Flux controller names, in a stable order; unset means all', () => {
  assert.deepEqual(parseControllers(undefined, available), [...available, 'flux-operator']);
  assert.deepEqual(parseControllers('notification', available), ['notification-controller']);
  assert.deepEqual(parseControllers('kustomize-controller, source ,operator', available), [
    'source-controller',
    'kustomize-controller',
    'flux-operator',
  ]);
  assert.deepEqual(parseControllers('flux-operator', available), ['flux-operator']);
});

void test('--controllers: unknown groups and groups this version lacks are errors naming them', () => {
  assert.throws(() => parseControllers('sauce', available), /unknown reconciler group "sauce"/);
  assert.throws(() => parseControllers('source,helm', available), /helm-controller is not available/);
  assert.throws(
    () => parseControllers('image', available),
    /image-reflector-controller, image-automation-controller are not available/,
  );
  assert.throws(() => parseControllers('image-automation-controller', available), /image-automation-controller is not/);
  // A group with some of its components serves those.
  assert.deepEqual(parseControllers('image', [...available, 'image-reflector-controller']), [
    'image-reflector-controller',
  ]);
  assert.throws(() => parseControllers(',', available), /no reconciler group/);
  // A group joins by appearing in the available list (ComponentKinds).
  assert.deepEqual(parseControllers('helm', [...available, 'helm-controller']), ['helm-controller']);
});

void test('refused Flux flags are named with what to do', () => {
  assert.equal(refusedFlagsMessage([]), undefined);
  const m = refusedFlagsMessage(['concurrent-ssa', 'sops-age-secret']) ?? '';
  assert.match(m, /flags not supported by Driftless/);
  assert.match(m, /--concurrent-ssa: /);
  assert.match(m, /--sops-age-secret: .*secretRef/);
});

void test('feature gates: only values matching Driftless behaviour are accepted', () => {
  assert.deepEqual(parseFeatureGates('CacheSecretsAndConfigMaps=false'), { CacheSecretsAndConfigMaps: false });
  assert.throws(
    () => parseFeatureGates('CacheSecretsAndConfigMaps=true'),
    /CacheSecretsAndConfigMaps=true not supported/,
  );
  assert.throws(() => parseFeatureGates('OOMWatch=true,DetectDrift=true'), /OOMWatch=true, DetectDrift=true/);
  assert.throws(() => parseFeatureGates('OOMWatch'), /must be Name=true/);
  assert.throws(() => parseFeatureGates('OOMWatch=maybe'), /not a boolean/);
  assert.deepEqual(parseFeatureGates('ExternalArtifact=true'), { ExternalArtifact: true });
  assert.throws(() => parseFeatureGates('ExternalArtifact=false'), /ExternalArtifact=false not supported/);
  // A gate Driftless honours either way.
  for (const v of [true, false])
    assert.deepEqual(parseFeatureGates(`ObjectLevelWorkloadIdentity=${v}`), { ObjectLevelWorkloadIdentity: v });
});

void test('Lease per group set and shard: the base name when serving everything', () => {
  const all = [...available, 'flux-operator'];
  assert.equal(leaseNameFor('driftless-leader-election', all, available, undefined), 'driftless-leader-election');
  assert.equal(
    leaseNameFor('driftless-leader-election', ['notification-controller', 'flux-operator'], available, undefined),
    'driftless-leader-election-notification-operator',
  );
  assert.equal(
    leaseNameFor('driftless-leader-election', ['source-controller', 'kustomize-controller'], available, 'k=v'),
    shardLeaseName('driftless-leader-election-source-kustomize', 'k=v'),
  );
});
