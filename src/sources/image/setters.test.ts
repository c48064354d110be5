import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applySetters, markerOf, setterValues, InvalidYamlError, type PolicyImage } from './setters.ts';
import { updateWithSetters } from './update-files.ts';

const policies: PolicyImage[] = [
  { namespace: 'apps', name: 'web', latest: { name: 'ghcr.io/acme/web', tag: '1.4.2' } },
  {
    namespace: 'apps',
    name: 'api',
    latest: { name: 'registry.example.com/acme/api', tag: 'v2.0.1', digest: 'sha256:' + 'ab'.repeat(32) },
  },
  { namespace: 'apps', name: 'num', latest: { name: 'ghcr.io/acme/num', tag: '10' } },
];
const values = setterValues(policies);

const deployment = `# The web front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep this comment
  namespace: apps
spec:
  replicas: 2
  template:
    # 컨테이너
    spec: # inline comment stays
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "apps:web"}
        args: ["--port", "8080"]   # flow sequence untouched
      - name: sidecar
        image: "ghcr.io/acme/web:1.0.0"   # {"$imagepolicy": "apps:web"}
      - name: other
        image: busybox:1.36 # just a comment
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  key: 'value'
`;

void test('a Deployment: only the marked scalars change; style, comments, indentation and other documents stay byte for byte', () => {
  const out = applySetters(deployment, values);
  const expected = deployment
    .replace('image: ghcr.io/acme/web:1.0.0 # {', 'image: ghcr.io/acme/web:1.4.2 # {')
    .replace('image: "ghcr.io/acme/web:1.0.0"', 'image: "ghcr.io/acme/web:1.4.2"');
  assert.equal(out.text, expected);
  assert.equal(out.changes.length, 2);
  assert.deepEqual(out.changes[0], {
    object: { APIVersion: 'apps/v1', Kind: 'Deployment', Name: 'web', Namespace: 'apps' },
    change: { OldValue: 'ghcr.io/acme/web:1.0.0', NewValue: 'ghcr.io/acme/web:1.4.2', Setter: 'apps:web' },
  });
  assert.deepEqual(out.unknown, []);
});

void test('HelmRelease values: :name, :tag and :digest setters; a number-like tag stays a string; single quotes kept', () => {
  const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
  namespace: apps
spec:
  values:
    image:
      repository: old/api # {"$imagepolicy": "apps:api:name"}
      tag: 'v1.0.0' # {"$imagepolicy": "apps:api:tag"}
      digest: sha256:0000 # {"$imagepolicy": "apps:api:digest"}
    worker:
      tag: "9" # {"$imagepolicy": "apps:num:tag"}
      plainTag: v9 # {"$imagepolicy": "apps:num:tag"}
`;
  const out = applySetters(release, values);
  assert.equal(
    out.text,
    release
      .replace('old/api #', 'registry.example.com/acme/api #')
      .replace("'v1.0.0'", "'v2.0.1'")
      .replace('sha256:0000', 'sha256:' + 'ab'.repeat(32))
      .replace('"9"', '"10"')
      .replace('plainTag: v9', 'plainTag: "10"'),
  );
  assert.equal(out.changes.length, 5);
  assert.equal(out.changes[0]!.object.Kind, 'HelmRelease');
});

void test('kustomization.yaml images: newName/newTag/newDigest and a full image with digest; block scalars untouched', () => {
  const kustomization = `# not a working kustomization
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deploy.yaml
images:
  - name: api
    newName: replaced # {"$imagepolicy": "apps:api:name"}
    newTag: v1 # {"$imagepolicy": "apps:api:tag"}
    newDigest: sha256:1234 # {"$imagepolicy": "apps:api:digest"}
patches:
  - patch: |
      - op: replace
        path: /spec/x # {"$imagepolicy": "apps:api"}
    target:
      kind: Deployment
      image: image # {"$imagepolicy": "apps:api"}
`;
  const out = applySetters(kustomization, values);
  const digest = 'sha256:' + 'ab'.repeat(32);
  assert.equal(
    out.text,
    kustomization
      .replace('newName: replaced', 'newName: registry.example.com/acme/api')
      .replace('newTag: v1 ', 'newTag: v2.0.1 ')
      .replace('newDigest: sha256:1234', `newDigest: ${digest}`)
      .replace('image: image #', `image: registry.example.com/acme/api:v2.0.1@${digest} #`),
  );
  assert.deepEqual(out.changes[0]!.object, {
    APIVersion: 'kustomize.config.k8s.io/v1beta1',
    Kind: 'Kustomization',
    Name: '',
    Namespace: '',
  });
});

void test('a marker naming a policy not in scope is left alone and reported; an up-to-date value is no change', () => {
  const text = 'a: x:1 # {"$imagepolicy": "apps:missing"}\nb: ghcr.io/acme/web:1.4.2 # {"$imagepolicy": "apps:web"}\n';
  const out = applySetters(text, values);
  assert.equal(out.text, text);
  assert.deepEqual(out.changes, []);
  assert.deepEqual(out.unknown, ['apps:missing']);
});

void test('markers are JSON objects with $imagepolicy; other comments are not markers', () => {
  assert.equal(markerOf(' {"$imagepolicy": "a:b:tag"}'), 'a:b:tag');
  assert.equal(markerOf('{"$imagepolicy":"a:b", "x": 1}'), 'a:b');
  assert.equal(markerOf(' imagepolicy a:b'), undefined);
  assert.equal(markerOf(' {"$imagepolicy": '), undefined);
  assert.throws(() => applySetters('a: [1\n# {"$imagepolicy": "a:b"}', values), InvalidYamlError);
});

void test('a directory: files with the token updated, an invalid YAML file skipped and reported, others untouched', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'setters-'));
  try {
    await mkdir(path.join(dir, 'apps'));
    await writeFile(path.join(dir, 'apps', 'deploy.yaml'), deployment);
    await writeFile(path.join(dir, 'broken.yaml'), 'a: [1\nimage: x # {"$imagepolicy": "apps:web"}\n');
    await writeFile(path.join(dir, 'notes.txt'), 'image: x # {"$imagepolicy": "apps:web"}\n');
    await writeFile(path.join(dir, 'plain.yaml'), 'image: x:1 # not marked\n');
    const result = await updateWithSetters(dir, policies);
    assert.deepEqual([...result.files.keys()], ['apps/deploy.yaml']);
    assert.equal(result.files.get('apps/deploy.yaml')![0]!.changes.length, 2);
    assert.equal(result.skipped.length, 1);
    assert.equal(result.skipped[0]!.file, 'broken.yaml');
    assert.match(await readFile(path.join(dir, 'apps', 'deploy.yaml'), 'utf8'), /web:1\.4\.2 # \{/);
    assert.equal(await readFile(path.join(dir, 'notes.txt'), 'utf8'), 'image: x # {"$imagepolicy": "apps:web"}\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
