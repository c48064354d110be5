import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import { NonStructuralSchemaError, allCrds, crdFor, renderCrdsYaml, toStructuralSchema } from './crd.ts';
import { GitRepositoryCrd } from './git-repository.ts';
import { KustomizationCrd } from './kustomization.ts';
import { StringEnum, StringMap } from './schema-types.ts';

type Node = { [key: string]: unknown };
const crdsFile = new URL('../../deploy/crds/crds.yaml', import.meta.url);
const allowedKeys = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
]);

// Walks every schema node and reports what makes it non-structural (or outside the subset we emit).
function structuralProblems(node: Node, path: string): string[] {
  const problems: string[] = [];
  if (
    node.type === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true &&
    node['x-kubernetes-int-or-string'] !== true
  ) {
    problems.push(`${path}: no type`);
  }
  for (const key of Object.keys(node)) if (!allowedKeys.has(key)) problems.push(`${path}: key ${key}`);
  if (Object.getOwnPropertySymbols(node).length > 0) problems.push(`${path}: symbol keys`);
  if (node.additionalProperties === false) problems.push(`${path}: additionalProperties false`);
  if (node.properties && node.additionalProperties) problems.push(`${path}: properties and additionalProperties`);
  for (const [name, child] of Object.entries((node.properties as Record<string, Node> | undefined) ?? {})) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (node.items) problems.push(...structuralProblems(node.items as Node, `${path}[]`));
  if (typeof node.additionalProperties === 'object')
    problems.push(...structuralProblems(node.additionalProperties as Node, `${path}{}`));
  return problems;
}

function rootSchema(crd: ReturnType<typeof crdFor>): Node {
  const versions = crd.spec.versions as { schema: { openAPIV3Schema: Node } }[];
  assert.equal(versions.length, 1);
  return versions[0]!.schema.openAPIV3Schema;
}

void test('every generated CRD schema is structural', () => {
  const crds = allCrds();
  const names = crds.map((c) => c.metadata.name);
  for (const expected of [
    'gitrepositories.source.toolkit.fluxcd.io',
    'kustomizations.kustomize.toolkit.fluxcd.io',
    'providers.notification.toolkit.fluxcd.io',
    'alerts.notification.toolkit.fluxcd.io',
    'receivers.notification.toolkit.fluxcd.io',
  ]) {
    assert.ok(names.includes(expected), `CRD ${expected} is generated`);
  }
  for (const crd of crds) assert.deepEqual(structuralProblems(rootSchema(crd), crd.metadata.name), []);
});

void test('the checker above catches a non-structural node', () => {
  assert.deepEqual(structuralProblems({ type: 'object', properties: { a: { anyOf: [] } } }, 'x'), [
    'x.a: no type',
    'x.a: key anyOf',
  ]);
});

void test('CRDs carry Flux names, columns, annotation, status subresource and status default', () => {
  const git = crdFor(GitRepositoryCrd);
  assert.equal(git.metadata.annotations?.['kustomize.toolkit.fluxcd.io/substitute'], 'disabled');
  const names = git.spec.names as Node;
  assert.deepEqual(names.shortNames, ['gitrepo']);
  assert.deepEqual(names.categories, ['all', 'fluxcd', 'fluxcd-sources']);
  assert.equal(names.listKind, 'GitRepositoryList');
  const version = (git.spec.versions as Node[])[0]!;
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    (version.additionalPrinterColumns as Node[]).map((c) => [c.name, c.jsonPath]),
    [
      ['URL', '.spec.url'],
      ['Age', '.metadata.creationTimestamp'],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Status', '.status.conditions[?(@.type=="Ready")].message'],
    ],
  );
  const props = rootSchema(git).properties as Record<string, Node>;
  assert.deepEqual(props.status!.default, { observedGeneration: -1 });
  const spec = props.spec as { properties: Record<string, Node>; required: string[] };
  assert.deepEqual(spec.required.sort(), ['interval', 'url']);
  assert.equal(spec.properties.timeout!.default, '60s');
  assert.deepEqual(spec.properties.provider!.enum, ['generic', 'aws', 'azure', 'github']);
  assert.equal(spec.properties.provider!.type, 'string');
  assert.equal(spec.properties.provider!.default, 'generic');

  const ks = crdFor(KustomizationCrd);
  assert.deepEqual((ks.spec.names as Node).shortNames, ['ks']);
  assert.deepEqual((ks.spec.names as Node).categories, ['all', 'fluxcd', 'fluxcd-appliers']);
  const ksSpec = (rootSchema(ks).properties as Record<string, { properties: Record<string, Node>; required: string[] }>)
    .spec!;
  assert.deepEqual(ksSpec.required.sort(), ['interval', 'prune', 'sourceRef']);
  assert.deepEqual((ksSpec.properties.sourceRef!.properties as Record<string, Node>).kind!.enum, [
    'OCIRepository',
    'GitRepository',
    'Bucket',
    'ExternalArtifact',
  ]);
  const postBuild = ksSpec.properties.postBuild!.properties as Record<string, Node>;
  assert.deepEqual(postBuild.substitute, { additionalProperties: { type: 'string' }, type: 'object' });
});

void test('toStructuralSchema translates TypeBox idioms', () => {
  const out = toStructuralSchema(
    Type.Object(
      {
        m: StringMap(),
        raw: Type.Unknown({ description: 'any JSON' }),
        e: StringEnum(['a', 'b'] as const),
        c: Type.Literal(3),
      },
      { additionalProperties: false, $id: 'X' },
    ),
  );
  assert.deepEqual(out, {
    type: 'object',
    required: ['m', 'raw', 'e', 'c'],
    properties: {
      m: { type: 'object', additionalProperties: { type: 'string' } },
      raw: { description: 'any JSON', 'x-kubernetes-preserve-unknown-fields': true },
      e: { type: 'string', enum: ['a', 'b'] },
      c: { type: 'number', enum: [3] },
    },
  });
});

void test('toStructuralSchema refuses unions it cannot express', () => {
  assert.throws(
    () => toStructuralSchema(Type.Object({ v: Type.Union([Type.String(), Type.Number()]) })),
    (e: unknown) => e instanceof NonStructuralSchemaError && e.message.includes('.v'),
  );
});

void test('deploy/crds/crds.yaml is the current renderCrdsYaml() output', () => {
  const rendered = renderCrdsYaml();
  assert.equal(
    readFileSync(crdsFile, 'utf8'),
    rendered,
    'deploy/crds/crds.yaml is stale: run node --import tsx -e "import(\'./src/api/crd.ts\').then(m => process.stdout.write(m.renderCrdsYaml()))" > deploy/crds/crds.yaml',
  );
  const docs = parseAllDocuments(rendered).map((d) => d.toJS() as Node);
  assert.deepEqual(docs, JSON.parse(JSON.stringify(allCrds())));
});
