import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildIgnoreMatcher, rulesMatcher } from './ignore.ts';
import { tempDir } from './test-support.ts';

async function files(root: string, map: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(map)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}

void test('default exclusions cover VCS files, binary extensions, CI files and extras at any depth', async (t) => {
  const root = await tempDir(t);
  const ignored = await buildIgnoreMatcher({ root });
  for (const [p, dir] of [
    ['.git', true],
    ['sub/.git', true],
    ['.gitignore', false],
    ['.gitmodules', false],
    ['.gitattributes', false],
    ['logo.png', false],
    ['docs/img/a.jpeg', false],
    ['release.tar.gz', false],
    ['bundle.zip', false],
    ['.github', true],
    ['.circleci', true],
    ['.travis.yml', false],
    ['.gitlab-ci.yml', false],
    ['cloudbuild.yaml', false],
    ['.goreleaser.yml', false],
    ['apps/.sops.yaml', false],
    ['.flux.yaml', false],
  ] as const) {
    assert.equal(ignored(p, dir), true, `${p} should be ignored`);
  }
  for (const [p, dir] of [
    ['deploy', true],
    ['deploy/app.yaml', false],
    ['kustomization.yaml', false],
    ['README.md', false],
    ['.sourceignore', false],
    ['.github', false], // a file named like the CI dir is not a directory match
  ] as const) {
    assert.equal(ignored(p, dir), false, `${p} should be kept`);
  }
});

void test('.sourceignore in a subdirectory applies only below that directory', async (t) => {
  const root = await tempDir(t);
  await files(root, { 'apps/.sourceignore': '*.md\n/local.yaml\n', 'apps/x/README.md': '', 'README.md': '' });
  const ignored = await buildIgnoreMatcher({ root });
  assert.equal(ignored('apps/x/README.md', false), true);
  assert.equal(ignored('apps/local.yaml', false), true);
  assert.equal(ignored('apps/x/local.yaml', false), false, 'anchored pattern is relative to apps/');
  assert.equal(ignored('README.md', false), false, 'root is outside the scope of apps/.sourceignore');
  assert.equal(ignored('other/README.md', false), false);
});

void test('negation re-includes a default exclusion and deeper files win over the root one', async (t) => {
  const root = await tempDir(t);
  await files(root, {
    '.sourceignore': '!keep.png\n*.txt\n',
    'sub/.sourceignore': '!notes.txt\n',
  });
  const ignored = await buildIgnoreMatcher({ root });
  assert.equal(ignored('keep.png', false), false, '!keep.png overrides the *.png default');
  assert.equal(ignored('other.png', false), true, 'defaults still apply with a .sourceignore present');
  assert.equal(ignored('a.txt', false), true);
  assert.equal(ignored('sub/a.txt', false), true);
  assert.equal(ignored('sub/notes.txt', false), false, 'sub/.sourceignore negation wins over the root rule');
});

void test('spec.ignore replaces the defaults but keeps VCS exclusions and is applied last', async (t) => {
  const root = await tempDir(t);
  await files(root, { '.sourceignore': 'secret.yaml\n' });
  const specIgnore = '# exclude all\n/*\n# include deploy dir\n!/deploy\n/deploy/**/*.md\n!secret.yaml\n';
  const ignored = await buildIgnoreMatcher({ root, specIgnore });
  assert.equal(ignored('deploy', true), false);
  assert.equal(ignored('deploy/app.yaml', false), false);
  assert.equal(ignored('deploy/logo.png', false), false, 'the *.png default is gone');
  assert.equal(ignored('deploy/docs/a.md', false), true);
  assert.equal(ignored('src', true), true);
  assert.equal(ignored('top.yaml', false), true);
  assert.equal(ignored('deploy/.git', true), true, '.git stays excluded');
  assert.equal(ignored('deploy/secret.yaml', false), false, 'spec.ignore overrides .sourceignore');
});

void test('comment-only spec.ignore keeps the defaults, like Flux with no patterns', async (t) => {
  const root = await tempDir(t);
  const ignored = await buildIgnoreMatcher({ root, specIgnore: '# nothing\n\n' });
  assert.equal(ignored('a.png', false), true);
});

void test('.sourceignore files inside ignored directories and .git are not read', async (t) => {
  const root = await tempDir(t);
  await files(root, {
    '.sourceignore': 'vendor/\n',
    'vendor/.sourceignore': '!*.png\n',
    '.git/.sourceignore': '!*.png\n',
  });
  const ignored = await buildIgnoreMatcher({ root });
  assert.equal(ignored('vendor', true), true);
  // Had these files been loaded, their `!*.png` would re-include the paths below.
  assert.equal(ignored('vendor/a.png', false), true);
  assert.equal(ignored('.git/a.png', false), true);
});

describe("rulesMatcher (a Bucket's object keys)", () => {
  it('applies texts in order, the last matching pattern deciding, as go-git does', () => {
    const m = rulesMatcher(['ignored/\ndocs/\n*.md\n', '!docs/\n']);
    assert.equal(m('ignored/x.yaml', false), true);
    assert.equal(m('docs/readme.md', false), false, '!docs/ re-includes what docs/ excluded');
    assert.equal(m('other/readme.md', false), true);
    assert.equal(m('apps/a.yaml', false), false);
  });

  it('has no default exclusions and ignores comments and blank lines', () => {
    const m = rulesMatcher(['# comment\n\n']);
    for (const key of ['.git/config', 'logo.png', '.github/workflows/x.yaml']) assert.equal(m(key, false), false, key);
  });

  it('anchors patterns with a leading slash to the root', () => {
    const m = rulesMatcher(['/*\n!/deploy\n/deploy/**/*.md\n']);
    assert.equal(m('top.yaml', false), true);
    assert.equal(m('deploy/app.yaml', false), false);
    assert.equal(m('deploy/sub/notes.md', false), true);
  });
});
