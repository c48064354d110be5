import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { BuildError } from './errors.ts';
import { checkDeferredYaml, checkKustomizationTree, isRemoteReference } from './kustomization-guard.ts';
import { buildKustomization } from './kustomize-build.ts';
import { makeTree } from './test-fixtures.ts';
import type { Tree } from './test-fixtures.ts';

// A builtin LabelTransformer config: kustomize's own code, so the guard lets it through.
const builtinLabels =
  'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  added: "yes"\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

// Runs the full build with a binary that does not exist: a refusal proves kustomize (and any network) was never used.
async function refusal(tree: Tree, opts: { path?: string; allowRemoteBases?: boolean } = {}): Promise<string> {
  const fx = await makeTree(tree);
  try {
    await buildKustomization({ root: fx.root, kustomizeBin: '/nonexistent/kustomize', ...opts });
  } catch (err) {
    assert.ok(err instanceof BuildError, String(err));
    assert.doesNotMatch(err.message, /cannot be run/, 'the check must stop the build before kustomize runs');
    return err.message;
  } finally {
    await fx.cleanup();
  }
  return assert.fail('build was not refused');
}

void test('remote bases are refused without touching the network', async () => {
  const remotes = [
    'github.com/fluxcd/flux2/manifests/install?ref=main',
    'https://github.com/org/repo//deploy?ref=v1',
    'git@github.com:org/repo.git',
    'ssh://git@example.com/org/repo.git',
    'https://raw.githubusercontent.com/org/repo/main/app.yaml',
  ];
  for (const remote of remotes) {
    const message = await refusal({ 'kustomization.yaml': `resources:\n  - ${JSON.stringify(remote)}\n` });
    assert.match(message, /^remote bases are not allowed \(.+ in resources of kustomization\.yaml\)/, remote);
  }
  // Nested: a local base whose own kustomization pulls a remote component.
  const nested = await refusal({
    'kustomization.yaml': 'resources: [base]\n',
    'base/kustomization.yaml': 'components: ["https://example.com/org/repo//component?ref=v1"]\n',
  });
  assert.match(nested, /remote bases are not allowed .*components of base\/kustomization\.yaml/);
  // With remote bases allowed the check lets them through (kustomize fetches them).
  const fx = await makeTree({ 'kustomization.yaml': `resources: [${JSON.stringify(remotes[0])}]\n` });
  try {
    const root = await realpath(fx.root);
    // …and reports it, so the build is never reused from the cache (the remote side can change).
    const report = await checkKustomizationTree({ root, entryDir: root, allowRemoteBases: true });
    assert.equal(report.remoteReferences, true);
  } finally {
    await fx.cleanup();
  }
  const local = await makeTree({ 'kustomization.yaml': 'resources: [cm.yaml]\n', 'cm.yaml': cm('a') });
  try {
    const root = await realpath(local.root);
    const report = await checkKustomizationTree({ root, entryDir: root, allowRemoteBases: true });
    assert.equal(report.remoteReferences, false, 'a local-only tree has no remote references');
  } finally {
    await local.cleanup();
  }
  // An unknown local name is refused too, since kustomize would try it as a git URL.
  assert.match(
    await refusal({ 'kustomization.yaml': 'resources: [example.com/org/repo]\n' }),
    /does not exist in the source/,
  );
});

void test('references that leave the root are refused', async () => {
  const cases: [Tree, RegExp][] = [
    [
      { 'app/kustomization.yaml': 'resources: [../../../etc]\n' },
      /'\.\.\/\.\.\/\.\.\/etc' in resources of app\/kustomization\.yaml is outside the source/,
    ],
    [{ 'kustomization.yaml': 'resources: [/etc/passwd]\n' }, /'\/etc\/passwd' in resources .* outside the source/],
    [
      { 'kustomization.yaml': 'resources: [link/passwd]\n', link: { symlink: '/etc' } },
      /'link\/passwd' .* outside the source/,
    ],
    [{ 'kustomization.yaml': 'openapi:\n  path: ../../schema.json\n' }, /openapi\.path .* outside the source/],
    [
      { 'kustomization.yaml': 'configMapGenerator:\n  - name: c\n    files: [key=../../../etc/hostname]\n' },
      /configMapGenerator\.files .* outside the source/,
    ],
    [
      { 'kustomization.yaml': 'secretGenerator:\n  - name: s\n    envs: [/etc/environment]\n' },
      /secretGenerator\.envs .* outside the source/,
    ],
    [{ 'kustomization.yaml': 'patches:\n  - path: ../../patch.yaml\n' }, /patches\.path .* outside the source/],
    [{ 'kustomization.yaml': 'crds: [../crd.yaml]\n' }, /crds .* outside the source/],
    // kustomize reads field names case-insensitively (with Unicode folding) and resolves `<<` merge keys.
    [{ 'kustomization.yaml': 'RESOURCES: [../../x]\n' }, /'\.\.\/\.\.\/x' in resources .* outside the source/],
    [{ 'kustomization.yaml': 're\u017fources: [../../x]\n' }, /outside the source/],
    [
      { 'kustomization.yaml': '<<: {resources: [/etc/passwd]}\n' },
      /'\/etc\/passwd' in resources .* outside the source/,
    ],
    [{ 'kustomization.yaml': 'patches:\n  - PATH: /etc/passwd\n' }, /patches\.path .* outside the source/],
    [
      { 'kustomization.yaml': { symlink: '/etc/passwd' } },
      /kustomization\.yaml is a symlink that points outside the source/,
    ],
  ];
  for (const [tree, expected] of cases) assert.match(await refusal(tree), expected);
  // A symlink that stays inside the root is fine for the check.
  const fx = await makeTree({
    'kustomization.yaml': 'resources: [alias.yaml]\n',
    'real.yaml': cm('a'),
    'alias.yaml': { symlink: 'real.yaml' },
  });
  try {
    await checkKustomizationTree({ root: await realpath(fx.root), entryDir: await realpath(fx.root) });
  } finally {
    await fx.cleanup();
  }
});

void test('Helm charts and non-builtin plugins are refused', async () => {
  const plugin = (body: string) => ({ 'kustomization.yaml': body, 'cm.yaml': cm('x') });
  assert.match(
    await refusal(plugin('helmCharts:\n  - name: podinfo\n    repo: https://stefanprodan.github.io/podinfo\n')),
    /^kustomize plugins are not allowed: 'helmCharts' in kustomization\.yaml/,
  );
  const exec = 'apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n';
  assert.match(
    await refusal({ ...plugin('generators: [gen.yaml]\n'), 'gen.yaml': exec }),
    /kustomize plugins are not allowed: ChartInflator \(apiVersion someteam\.example\.com\/v1\) in gen\.yaml/,
  );
  const krm = `transformers:\n  - |\n    apiVersion: example.com/v1\n    kind: Fn\n    metadata:\n      name: f\n      annotations:\n        config.kubernetes.io/function: |\n          exec:\n            path: /bin/sh\n`;
  assert.match(await refusal(plugin(krm)), /kustomize plugins are not allowed: Fn .* KRM function/);
  assert.match(
    await refusal({
      ...plugin('transformers: [plugins]\n'),
      'plugins/kustomization.yaml': 'resources: [p.yaml]\n',
      'plugins/p.yaml': exec,
    }),
    /kustomize plugins are not allowed: ChartInflator .* plugins\/p\.yaml/,
  );
  const helmBuiltin = 'apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: h\n';
  assert.match(
    await refusal({ ...plugin('generators: [h.yaml]\n'), 'h.yaml': helmBuiltin }),
    /HelmChartInflationGenerator/,
  );
});

void test('builtin plugin configs pass the check', async () => {
  const fx = await makeTree({
    'kustomization.yaml': 'resources: [cm.yaml]\ntransformers: [labels.yaml]\n',
    'cm.yaml': cm('x'),
    'labels.yaml': builtinLabels,
  });
  try {
    const root = await realpath(fx.root);
    await checkKustomizationTree({ root, entryDir: root });
  } finally {
    await fx.cleanup();
  }
});

void test('YAML files kustomize will decode are checked against alias bombs first', async () => {
  const levels = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
  for (let i = 1; i < 7; i++)
    levels.push(
      `l${i}: &l${i} [${Array(10)
        .fill(i === 1 ? '*a' : `*l${i - 1}`)
        .join(',')}]`,
    );
  const bomb = `${cm('bomb')}${levels.join('\n')}\n`;
  assert.match(
    await refusal({ 'kustomization.yaml': 'resources: [bomb.yaml]\n', 'bomb.yaml': bomb }),
    /^bomb\.yaml: document 1: too many YAML alias expansions/,
  );
  assert.match(
    await refusal({
      'kustomization.yaml': 'resources: [cm.yaml]\npatches:\n  - path: p.yaml\n',
      'cm.yaml': cm('c'),
      'p.yaml': bomb,
    }),
    /^p\.yaml: .*too many YAML alias expansions/,
  );
});

void test('with deferred syntax checks, only files that cannot hold an alias wait for checkDeferredYaml', async () => {
  const broken = `${cm('broken')}data: {a: b\n`;
  const bomb = `${cm('bomb')}a: &a [x, x]\nb: [*a, *a, *a]\n`;
  const fx = await makeTree({
    'kustomization.yaml': 'resources: [broken.yaml, ok.yaml]\n',
    'broken.yaml': broken,
    'ok.yaml': cm('ok'),
  });
  try {
    const root = await realpath(fx.root);
    const report = await checkKustomizationTree({ root, entryDir: root, deferSyntaxChecks: true });
    assert.deepEqual(
      report.deferred.map((d) => d.limits.source),
      ['broken.yaml', 'ok.yaml'],
    );
    await assert.rejects(checkDeferredYaml(report.deferred), /broken\.yaml: document 1: .* at line \d+/);
    await assert.rejects(checkKustomizationTree({ root, entryDir: root }), /broken\.yaml: document 1/);
  } finally {
    await fx.cleanup();
  }
  const withAlias = await makeTree({ 'kustomization.yaml': 'resources: [a.yaml]\n', 'a.yaml': bomb });
  try {
    const root = await realpath(withAlias.root);
    const limited = checkKustomizationTree({ root, entryDir: root, deferSyntaxChecks: true, maxAliasCount: 2 });
    await assert.rejects(limited, /a\.yaml: document 1: too many YAML alias expansions/);
  } finally {
    await withAlias.cleanup();
  }
});

void test('isRemoteReference', () => {
  assert.ok(isRemoteReference('github.com/org/repo?ref=v1'));
  assert.ok(isRemoteReference('git::https://example.com/repo.git'));
  assert.ok(!isRemoteReference('../base'));
  assert.ok(!isRemoteReference('apps/github-runner'));
});
