// The rule "no field is silently ignored": every spec path of every CRD Driftless installs is either
// implemented (and a test mentions it), refused by name, or one Flux itself does not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { allCrds, CrdDefinitions } from './crd.ts';
import {
  FieldSupportTables,
  NotSupportedPhrase,
  admissionRules,
  pathSegments,
  refusalMessage,
  refusedFields,
  refusedFieldsMarkdown,
  type FieldSupport,
} from './field-support.ts';

type SchemaNode = { [key: string]: unknown };
const repoRoot = new URL('../../', import.meta.url);

/** Every node under `spec` by path (`spec.a[].b`, `spec.m.*`), with its schema. */
function specPaths(node: SchemaNode, path = 'spec', out = new Map<string, SchemaNode>()): Map<string, SchemaNode> {
  out.set(path, node);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) {
    specPaths(child, `${path}.${name}`, out);
  }
  if (node.items) specPaths(node.items as SchemaNode, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object')
    specPaths(node.additionalProperties as SchemaNode, `${path}.*`, out);
  return out;
}

const crdSpecs = allCrds().map((crd) => {
  const spec = crd.spec as { names: { kind: string }; versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
  const root = spec.versions[0]?.schema.openAPIV3Schema;
  const specSchema = (root?.properties as Record<string, SchemaNode>)['spec'] ?? {};
  return { kind: spec.names.kind, root: root ?? {}, paths: specPaths(specSchema) };
});

const fieldsOf = (kind: string): Readonly<Record<string, FieldSupport>> => {
  const table = FieldSupportTables[kind];
  assert.ok(table && 'fields' in table, `${kind} has a field-support table`);
  return table.fields;
};

// A named field ends in a property name; `[]` items and `.*` map values are covered by their parent's entry.
const isNamedField = (path: string): boolean => path !== 'spec' && !path.endsWith('[]') && !path.endsWith('.*');
const ancestors = (path: string): string[] => {
  const out: string[] = [];
  for (let p = path.replace(/(\[\]|\.[^.[\]]+)$/, ''); p !== 'spec'; p = p.replace(/(\[\]|\.[^.[\]]+)$/, '')) {
    if (isNamedField(p)) out.push(p);
  }
  return out;
};

void test('every served kind has a table, and only FluxReport (output) has none of fields', () => {
  assert.deepEqual(Object.keys(FieldSupportTables).sort(), CrdDefinitions.map((d) => d.kind).sort());
  for (const [kind, table] of Object.entries(FieldSupportTables)) {
    assert.equal('output' in table, kind === 'FluxReport', kind);
  }
});

void test('every spec path of every CRD is implemented, refused, or covered by a refused ancestor', () => {
  const missing: string[] = [];
  const redundant: string[] = [];
  for (const { kind, paths } of crdSpecs) {
    if (kind === 'FluxReport') continue;
    const fields = fieldsOf(kind);
    for (const path of paths.keys()) {
      if (!isNamedField(path)) continue;
      const refusedAncestor = ancestors(path).some((a) => fields[a] && 'refused' in fields[a]);
      if (refusedAncestor && fields[path]) redundant.push(`${kind} ${path}`);
      if (!refusedAncestor && !fields[path]) missing.push(`${kind} ${path}`);
    }
  }
  assert.deepEqual(missing, [], 'add these paths to src/api/field-support-*.ts (implemented with a test, or refused)');
  assert.deepEqual(redundant, [], 'a refused object covers its subtree: drop these entries');
});

void test('no stale entries: every entry names a path the CRD schema has', () => {
  const stale: string[] = [];
  for (const { kind, paths } of crdSpecs) {
    if (kind === 'FluxReport') continue;
    for (const path of Object.keys(fieldsOf(kind))) if (!paths.has(path) || !isNamedField(path)) stale.push(path);
  }
  assert.deepEqual(stale, []);
});

void test('every implemented field names an existing test file that mentions it', () => {
  const problems: string[] = [];
  for (const { kind } of crdSpecs) {
    if (kind === 'FluxReport') continue;
    for (const [path, support] of Object.entries(fieldsOf(kind))) {
      if (!('implemented' in support)) continue;
      const file = support.implemented;
      const field =
        pathSegments(path)
          .filter((s) => s !== '[]' && s !== '*')
          .at(-1) ?? '';
      if (!/\.test\.ts$/.test(file) || !existsSync(new URL(file, repoRoot))) {
        problems.push(`${kind} ${path}: ${file} is not an existing *.test.ts file`);
      } else if (!readFileSync(new URL(file, repoRoot), 'utf8').includes(field)) {
        problems.push(`${kind} ${path}: ${file} never mentions '${field}'`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

void test('refused values are values of the CRD enum, never all of them; every hint is a sentence', () => {
  for (const { kind, paths } of crdSpecs) {
    if (kind === 'FluxReport') continue;
    for (const [path, support] of Object.entries(fieldsOf(kind))) {
      const text = 'refused' in support ? support.refused : 'fluxIgnores' in support ? support.fluxIgnores : '';
      if (!('implemented' in support)) assert.match(text, /^\S.{10,}[^.]$/, `${kind} ${path}`);
      if (!('implemented' in support) || !support.refusedValues) continue;
      const node = paths.get(path);
      const values = (node?.enum ?? (node?.items as SchemaNode | undefined)?.enum) as unknown[] | undefined;
      assert.ok(values, `${kind} ${path} has an enum`);
      for (const [value, hint] of Object.entries(support.refusedValues)) {
        assert.ok(values.includes(value), `${kind} ${path}: '${value}' is not in the CRD enum`);
        assert.match(hint, /^\S.{10,}[^.]$/, `${kind} ${path} '${value}'`);
      }
      assert.ok(Object.keys(support.refusedValues).length < values.length, `${kind} ${path} keeps some value`);
    }
  }
});

void test('kinds without status refuse at admission: every refusal of theirs is a CEL rule on the CRD', () => {
  for (const def of CrdDefinitions) {
    const table = FieldSupportTables[def.kind];
    if (!table || !('fields' in table)) continue;
    const rules = admissionRules(def.kind, def.specSchema);
    const crd = crdSpecs.find((c) => c.kind === def.kind);
    const onCrd = (crd?.root['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[];
    for (const r of rules)
      assert.ok(
        onCrd.some((v) => v.rule === r.rule && v.message === r.message),
        r.message,
      );
    if (def.statusSchema) continue;
    const refusals = Object.entries(table.fields).filter(
      ([, s]) => 'refused' in s || ('implemented' in s && s.refusedValues),
    );
    for (const [path] of refusals) assert.ok(table.admission?.includes(path), `${def.kind} ${path} is not enforced`);
  }
});

void test('the CEL rules name the field and the value, and guard every level of the path', () => {
  const provider = CrdDefinitions.find((d) => d.kind === 'Provider');
  assert.ok(provider);
  const rules = admissionRules('Provider', provider.specSchema);
  assert.deepEqual(
    rules.find((r) => r.message.startsWith("spec.type 'googlepubsub'")),
    {
      rule: "!has(self.spec) || !has(self.spec.type) || self.spec.type != 'googlepubsub'",
      message: `spec.type 'googlepubsub' ${NotSupportedPhrase}: use the generic or generic-hmac provider with a webhook relay to Google Pub/Sub`,
    },
  );
  assert.equal(
    rules.find((r) => r.message.startsWith('spec.serviceAccountName'))?.rule,
    '!has(self.spec) || !has(self.spec.serviceAccountName) || size(self.spec.serviceAccountName) == 0',
  );
  const receiver = CrdDefinitions.find((d) => d.kind === 'Receiver');
  assert.ok(receiver);
  const receiverRules = admissionRules('Receiver', receiver.specSchema);
  assert.deepEqual(
    receiverRules.filter((r) => r.message.startsWith('spec.type')).map((r) => r.rule.split("!= '")[1]),
    ["generic-oidc'", "cdevents'"],
  );
  assert.equal(
    receiverRules.find((r) => r.message.startsWith('spec.oidcProviders'))?.rule,
    '!has(self.spec) || !has(self.spec.oidcProviders) || size(self.spec.oidcProviders) == 0',
  );
});

void test('refusedFields finds set fields; Go zero values count as unset, as Flux reads them', () => {
  const ks = (spec: Record<string, unknown>) => refusedFields('Kustomization', { spec });
  assert.deepEqual(ks({ interval: '1m', prune: true }), []);
  assert.deepEqual(ks({ decryption: undefined, ignore: [], kubeConfig: {}, buildMetadata: null }), []);
  assert.deepEqual(
    ks({ decryption: { provider: 'sops', serviceAccountName: 'kms' } }).map((r) => r.path),
    ['spec.decryption.serviceAccountName'],
  );
  // Implemented fields under an array are not refused.
  assert.deepEqual(ks({ dependsOn: [{ name: 'a' }, { name: 'b', readyExpr: 'x' }] }), []);
  const receiver = refusedFields('Receiver', { spec: { type: 'github', resources: [{ kind: 'X', name: 'a' }] } });
  assert.deepEqual(receiver, []);
  // Receiver CEL filters are implemented: set on several entries, nothing is refused.
  const filtered = refusedFields('Receiver', {
    spec: {
      type: 'github',
      resourceFilter: 'true',
      resources: [
        { kind: 'X', filter: 'true' },
        { kind: 'Y', filter: 'false' },
      ],
    },
  });
  assert.deepEqual(filtered, []);
  assert.deepEqual(refusedFields('FluxInstance', { spec: { cluster: { networkPolicy: false } } }), []);
  assert.deepEqual(refusedFields('FluxReport', { spec: { anything: true } }), []);
  assert.deepEqual(refusedFields('NoSuchKind', { spec: { anything: true } }), []);
});

void test('refused values: a scalar or each distinct entry of a list; other values pass', () => {
  const git = (provider: string) => refusedFields('GitRepository', { spec: { url: 'https://x', provider } });
  // GitRepository spec.provider: generic (the default) is what the reconciler implements.
  assert.deepEqual(git('generic'), []);
  assert.deepEqual(git('aws'), [
    {
      path: 'spec.provider',
      value: 'aws',
      hint: 'use provider generic (the default) with credentials in a Secret referenced by spec.secretRef',
    },
  ]);
  // Every Flux component is served now: none is refused.
  const components = ['source-controller', 'source-watcher', 'image-automation-controller', 'helm-controller'];
  assert.deepEqual(refusedFields('FluxInstance', { spec: { components } }), []);
});

void test('the message names each field, or field and value, and what to do, joined with "; "', () => {
  const refusals = refusedFields('Kustomization', {
    spec: {
      sourceRef: { kind: 'ExternalArtifact', name: 'b' },
      deletionPolicy: 'WaitForTermination',
      decryption: { provider: 'sops', serviceAccountName: 'kms' },
    },
  });
  assert.equal(
    refusalMessage(refusals),
    "spec.deletionPolicy 'WaitForTermination' is not supported by Driftless yet: use Delete (Driftless deletes the objects but does not wait for them to terminate); " +
      'spec.decryption.serviceAccountName is not supported by Driftless yet: remove it and put age (.agekey) or OpenPGP (.asc) private keys in the Secret of spec.decryption.secretRef',
  );
  assert.equal(refusalMessage([]), '');
});

void test('pathSegments splits arrays and map values, and refuses paths outside spec', () => {
  assert.deepEqual(pathSegments('spec.dependsOn[].readyExpr'), ['dependsOn', '[]', 'readyExpr']);
  assert.deepEqual(pathSegments('spec.commonMetadata.labels.*'), ['commonMetadata', 'labels', '*']);
  assert.throws(() => pathSegments('status.conditions'), /must start with spec/);
});

void test('README\'s "Not done yet" lists exactly the refused paths', () => {
  const readme = readFileSync(new URL('README.md', repoRoot), 'utf8');
  const block = /<!-- refused-fields:start[^>]*-->\n([\s\S]*?)\n<!-- refused-fields:end -->/.exec(readme)?.[1];
  assert.equal(
    block,
    refusedFieldsMarkdown(),
    'README.md is stale: replace the refused-fields block with the output of node --import tsx -e "import(\'./src/api/field-support.ts\').then(m => console.log(m.refusedFieldsMarkdown()))"',
  );
});
