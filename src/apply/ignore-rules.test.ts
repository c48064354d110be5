import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { Action } from './changeset.ts';
import { ignoringPayload, ownedByOtherApplier, planIgnoring } from './ignore-drift.ts';
import {
  compileIgnoreRules,
  ignoredPathsFor,
  IgnoreRuleError,
  parsePointer,
  removeAt,
  setAt,
  valueAt,
  withoutPaths,
} from './ignore-rules.ts';

const deployment = (over: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps', labels: { tier: 'front' }, annotations: { team: 'a' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'nginx', resources: { cpu: '1' } }] } } },
  ...over,
});

test('parsePointer unescapes RFC 6901 tokens and refuses what is not a pointer', () => {
  assert.deepEqual(parsePointer('/metadata/annotations/external-dns.alpha.kubernetes.io~1hostname'), [
    'metadata',
    'annotations',
    'external-dns.alpha.kubernetes.io/hostname',
  ]);
  assert.deepEqual(parsePointer('/a~0b/~01'), ['a~b', '~1']);
  assert.throws(() => parsePointer('spec/replicas'), /starts with "\/"/);
  assert.throws(() => parsePointer(''), /whole object/);
  assert.throws(() => parsePointer('/a~2'), /escaped/);
});

test('compileIgnoreRules names the bad pointer, regex or selector', () => {
  assert.throws(
    () => compileIgnoreRules([{ paths: ['/spec/replicas', 'spec/x'] }], 'spec.ignore'),
    (err: unknown) =>
      err instanceof IgnoreRuleError &&
      /spec\.ignore\[0\]\.paths\[1\] "spec\/x" is not a JSON pointer/.test(err.message),
  );
  assert.throws(
    () => compileIgnoreRules([{ paths: ['/a'] }, { paths: ['/b'], target: { kind: '(' } }], 'spec.ignore'),
    /spec\.ignore\[1\]\.target\.kind: invalid regular expression/,
  );
  assert.throws(
    () => compileIgnoreRules([{ paths: ['/a'], target: { labelSelector: 'a in (' } }], 'spec.ignore'),
    /spec\.ignore\[0\]\.target\.labelSelector: unbalanced/,
  );
});

test('targets select by anchored regexes on group, version, kind, name, namespace and by label/annotation selectors', () => {
  const obj = deployment();
  const paths = (target: object): string[] =>
    ignoredPathsFor(compileIgnoreRules([{ paths: ['/spec/replicas'], target }], 'spec.ignore'), obj);
  assert.deepEqual(paths({}), ['/spec/replicas']);
  assert.deepEqual(paths({ group: 'apps', version: 'v1', kind: 'Deploy.*', name: 'web', namespace: 'apps' }), [
    '/spec/replicas',
  ]);
  assert.deepEqual(paths({ kind: 'Deploy' }), [], 'regexes are anchored');
  assert.deepEqual(paths({ group: '' }), ['/spec/replicas'], 'an empty field matches anything');
  assert.deepEqual(paths({ name: 'other' }), []);
  assert.deepEqual(paths({ labelSelector: 'tier=front' }), ['/spec/replicas']);
  assert.deepEqual(paths({ labelSelector: 'tier notin (front)' }), []);
  assert.deepEqual(paths({ annotationSelector: 'team in (a,b)' }), ['/spec/replicas']);
  assert.deepEqual(paths({ annotationSelector: '!team' }), []);
  const core: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
  const rules = compileIgnoreRules(
    [{ paths: ['/data/a'], target: { group: '', version: 'v1' } }, { paths: ['/data/a', '/data/b'] }],
    'spec.ignore',
  );
  assert.deepEqual(ignoredPathsFor(rules, core), ['/data/a', '/data/b']);
});

test('valueAt, removeAt and setAt follow pointers through mappings and lists', () => {
  const obj = deployment();
  assert.deepEqual(valueAt(obj, '/spec/template/spec/containers/0/resources'), { found: true, value: { cpu: '1' } });
  assert.deepEqual(valueAt(obj, '/spec/template/spec/containers/1'), { found: false });
  assert.deepEqual(valueAt(obj, '/spec/nothing/here'), { found: false });
  const copy = withoutPaths(obj, ['/spec/replicas', '/metadata/labels/tier', '/missing/path']);
  assert.equal((copy.spec as { replicas?: number }).replicas, undefined);
  assert.deepEqual(copy.metadata.labels, {});
  assert.equal((obj.spec as { replicas?: number }).replicas, 2, 'the original is left alone');
  const doc = { a: [{ b: 1 }] } as Record<string, unknown>;
  removeAt(doc, '/a/0');
  assert.deepEqual(doc, { a: [] });
  assert.equal(setAt(doc, '/x/y', 3), true);
  assert.equal(setAt(doc, '/a/4/b', 3), false);
  assert.deepEqual(doc, { a: [], x: { y: 3 } });
});

const withManagers = (
  obj: KubeObject,
  managers: { manager: string; operation: string; fieldsV1: object }[],
): KubeObject => ({
  ...obj,
  metadata: { ...obj.metadata, managedFields: managers },
});

test('ownedByOtherApplier looks at Apply managers other than ours, resolving list items by their merge keys', () => {
  const fields = {
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:resources': { 'f:cpu': {} } } } } },
    },
  };
  const live = withManagers(deployment(), [
    { manager: 'kustomize-controller', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    { manager: 'vpa', operation: 'Apply', fieldsV1: fields },
    { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } } },
  ]);
  assert.equal(ownedByOtherApplier(live, '/spec/template/spec/containers/0/resources', 'kustomize-controller'), true);
  assert.equal(ownedByOtherApplier(live, '/spec/replicas', 'kustomize-controller'), true);
  assert.equal(
    ownedByOtherApplier(live, '/metadata/labels/tier', 'kustomize-controller'),
    false,
    'Update is not Apply',
  );
  assert.equal(
    ownedByOtherApplier(live, '/spec/template/spec/containers/0/resources', 'vpa'),
    false,
    'no applier but vpa owns it',
  );
  assert.equal(ownedByOtherApplier(live, '/spec/template/spec/containers/3', 'x'), false);
});

test('ignoringPayload strips what another applier owns and adopts the live value of what only we apply', () => {
  const desired = deployment();
  const live = withManagers(
    deployment({
      spec: {
        replicas: 5,
        template: { spec: { containers: [{ name: 'app', image: 'nginx', resources: { cpu: '3' } }] } },
      },
    }),
    [
      {
        manager: 'vpa',
        operation: 'Apply',
        fieldsV1: {
          'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:resources': {} } } } } },
        },
      },
    ],
  );
  const dryRun = deployment();
  const payload = ignoringPayload(
    desired,
    live,
    dryRun,
    ['/spec/replicas', '/spec/template/spec/containers/0/resources', '/metadata/annotations/team'],
    'kustomize-controller',
  );
  const spec = payload.spec as { replicas: number; template: { spec: { containers: Record<string, unknown>[] } } };
  assert.equal(spec.replicas, 5, 'adopted: no other applier owns it');
  assert.equal(spec.template.spec.containers[0]?.resources, undefined, 'stripped: the vpa applier owns it');
  assert.deepEqual(payload.metadata.annotations, { team: 'a' }, 'equal on both sides: kept as desired');
  const gone = ignoringPayload(desired, deployment({ spec: {} }), dryRun, ['/spec/replicas'], 'kustomize-controller');
  assert.equal((gone.spec as { replicas?: number }).replicas, undefined, 'absent live: left out');
});

test('planIgnoring: ignored-only drift is Unchanged, other drift applies with the ignoring payload, creates are whole', () => {
  const rules = compileIgnoreRules([{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }], 'spec.ignore');
  const desired = deployment();
  const live = deployment({ spec: { ...(deployment().spec as object), replicas: 5 } });
  live.metadata.resourceVersion = '7';
  const dryRun = { ...deployment(), metadata: { ...deployment().metadata, resourceVersion: '7' } };
  const opts = { fieldManager: 'kustomize-controller', cleaned: false };
  const plan = { desired, existing: live, dryRun, action: Action.Configured };
  assert.equal(planIgnoring(plan, rules, opts).action, Action.Unchanged);
  const cleaned = planIgnoring(plan, rules, { ...opts, cleaned: true });
  assert.equal(cleaned.action, Action.Configured, 'a metadata cleanup still needs the apply');
  assert.equal((cleaned.desired.spec as { replicas: number }).replicas, 5);
  const labelled = { ...dryRun, metadata: { ...dryRun.metadata, labels: { tier: 'back' } } };
  const other = planIgnoring({ ...plan, dryRun: labelled }, rules, opts);
  assert.equal(other.action, Action.Configured);
  assert.equal((other.desired.spec as { replicas: number }).replicas, 5, 'the ignored field keeps its live value');
  const created = { desired, existing: undefined, dryRun, action: Action.Created };
  assert.equal(planIgnoring(created, rules, opts), created);
  const none = compileIgnoreRules([{ paths: ['/spec/replicas'], target: { kind: 'StatefulSet' } }], 'spec.ignore');
  assert.equal(planIgnoring(plan, none, opts), plan, 'a target that selects nothing leaves the plan as it is');
});
