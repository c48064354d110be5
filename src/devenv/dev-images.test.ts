import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { applySetters, setterValues } from '../sources/image/setters.ts';
import { demoFiles, ImageDemo, withDemoFiles } from './dev-images.ts';

const image = '127.0.0.1:5000/demo/web';

void test('the demo Deployment carries a marker the automation rewrites to the policy latest tag', () => {
  const files = demoFiles(image);
  const deployment = files['images/deployment.yaml']!;
  const values = setterValues([
    { namespace: ImageDemo.namespace, name: ImageDemo.name, latest: { name: image, tag: '1.1.0' } },
  ]);
  const updated = applySetters(deployment, values);
  assert.deepEqual(
    updated.changes.map((c) => [c.object.Kind, c.change.OldValue, c.change.NewValue]),
    [['Deployment', `${image}:1.0.0`, `${image}:1.1.0`]],
  );
  assert.equal(updated.text, deployment.replace(':1.0.0 #', ':1.1.0 #'));
});

void test('the demo image objects: repository of the registry, semver policy, automation on the seeded repository', () => {
  const docs = parseAllDocuments(demoFiles(image)['images/automation.yaml']!).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> },
  );
  assert.deepEqual(
    docs.map((d) => [d.kind, d.metadata.namespace, d.metadata.name]),
    [
      ['ImageRepository', 'flux-system', 'web'],
      ['ImagePolicy', 'flux-system', 'web'],
      ['ImageUpdateAutomation', 'flux-system', 'web'],
    ],
  );
  assert.equal(docs[0]!.spec['image'], image);
  assert.deepEqual(docs[2]!.spec['sourceRef'], { kind: 'GitRepository', name: 'flux-system' });
  assert.deepEqual(docs[2]!.spec['update'], { strategy: 'Setters', path: './images' });
});

void test('a seed with a root kustomization.yaml lists the demo files in its resources, comments kept', () => {
  const demo = demoFiles(image);
  const seed = { 'kustomization.yaml': '# the fleet\nresources:\n  - app/config.yaml\n', 'app/config.yaml': 'x: 1\n' };
  const files = withDemoFiles(seed, demo);
  assert.equal(
    files['kustomization.yaml'],
    '# the fleet\nresources:\n  - app/config.yaml\n  - images/automation.yaml\n  - images/deployment.yaml\n',
  );
  assert.equal(files['images/deployment.yaml'], demo['images/deployment.yaml']);
  assert.deepEqual(withDemoFiles({ 'a.yaml': 'x: 1\n' }, demo), { 'a.yaml': 'x: 1\n', ...demo });
});
