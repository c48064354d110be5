// Decrypts files encrypted by the real sops CLI (age and OpenPGP keys from the real age-keygen and gpg), through the
// real kustomize build, as the Kustomization build step does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { buildKustomization } from './kustomize-build.ts';
import { DecryptionError } from './sops-errors.ts';
import { decryptGeneratorSources, decryptSecrets } from './sops-decrypt.ts';
import type { SopsKeys } from './sops-format.ts';
import { makeSopsTestKit, provisionedSops } from './sops-test-keys.ts';
import type { SopsTestKit } from './sops-test-keys.ts';
import { withSopsSession } from './sops.ts';
import { makeTree, provisionedKustomize } from './test-fixtures.ts';
import type { Tree } from './test-fixtures.ts';
import type { KubeObject } from './types.ts';

const bins = provisionedSops();
const kustomizeBin = provisionedKustomize();
const skip = bins && kustomizeBin ? false : 'sops, age-keygen, gpg or kustomize missing (run scripts/provision.sh)';

let kit: SopsTestKit;
before(async () => {
  if (bins) kit = await makeSopsTestKit(bins);
});
after(async () => {
  await kit?.cleanup();
});

const secretYaml = (name: string, value: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\ntype: Opaque\nstringData:\n  password: ${value}\n`;
const onlyData = ['--encrypted-regex', '^(data|stringData)$'];

/** Decrypts and builds `tree` like the build step: generator sources, kustomize, then Secrets. */
async function decryptAndBuild(tree: Tree, keys: SopsKeys): Promise<KubeObject[]> {
  const t = await makeTree(tree);
  try {
    return await withSopsSession({ sopsBin: bins?.sops ?? '', keys }, async (session) => {
      await decryptGeneratorSources({ root: t.root, path: './', session });
      const built = await buildKustomization({ root: t.root, kustomizeBin: kustomizeBin ?? '' });
      return decryptSecrets(built.objects, session);
    });
  } finally {
    await t.cleanup();
  }
}

const secretNamed = (objects: KubeObject[], prefix: string) => {
  const found = objects.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith(prefix));
  assert.ok(found, `no Secret ${prefix}*`);
  return found as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };
};
const decoded = (s: { data?: Record<string, string> }, key: string) =>
  Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');

test('age: a YAML Secret and secretGenerator sources in JSON, dotenv, INI and binary decrypt', { skip }, async () => {
  const tmpBefore = new Set(
    (await readdir(os.tmpdir())).filter((n) => n.startsWith('driftless-sops-') && !n.includes('test')),
  );
  const objects = await decryptAndBuild(
    {
      'kustomization.yaml': [
        'namespace: apps',
        'commonLabels: {team: a}',
        'resources: [db.yaml]',
        'secretGenerator:',
        '  - name: gen',
        '    files: [config.json, settings.ini, token=token.bin, plain.txt]',
        '    envs: [app.env]',
        '',
      ].join('\n'),
      'db.yaml': await kit.encrypt('db.yaml', secretYaml('db', 's3cret-yaml'), 'age', onlyData),
      'config.json': await kit.encrypt('config.json', '{"apiKey": "s3cret-json"}\n', 'age'),
      'settings.ini': await kit.encrypt('settings.ini', '[db]\npassword = s3cret-ini\n', 'age'),
      'token.bin': await kit.encrypt('token.bin', 's3cret-binary\u0000\u00ff', 'age'),
      'app.env': await kit.encrypt('app.env', 'PASSWORD=s3cret-env\n', 'age'),
      'plain.txt': 'not encrypted\n',
    },
    { ageIdentities: [kit.age.identity], pgpKeys: [] },
  );
  const db = secretNamed(objects, 'db');
  assert.equal(db.stringData?.['password'], 's3cret-yaml');
  assert.equal(db.metadata.namespace, 'apps');
  assert.equal(db.metadata.labels?.['team'], 'a');
  assert.ok(!('sops' in db));
  const gen = secretNamed(objects, 'gen-');
  assert.deepEqual(JSON.parse(decoded(gen, 'config.json')), { apiKey: 's3cret-json' });
  assert.match(decoded(gen, 'settings.ini'), /password\s*=\s*s3cret-ini/);
  assert.equal(Buffer.from(gen.data?.['token'] ?? '', 'base64').toString('latin1'), 's3cret-binary\u0000\u00c3\u00bf');
  assert.equal(decoded(gen, 'PASSWORD'), 's3cret-env');
  assert.equal(decoded(gen, 'plain.txt'), 'not encrypted\n');
  const tmpAfter = (await readdir(os.tmpdir())).filter((n) => n.startsWith('driftless-sops-') && !n.includes('test'));
  assert.deepEqual(
    tmpAfter.filter((n) => !tmpBefore.has(n)),
    [],
    'the private key directory is removed',
  );
});

test('pgp: a Secret and a dotenv source encrypted for an OpenPGP key made by gpg decrypt', { skip }, async () => {
  const objects = await decryptAndBuild(
    {
      'kustomization.yaml': 'resources: [db.yaml]\nsecretGenerator:\n  - name: gen\n    envs: [app.env]\n',
      'db.yaml': await kit.encrypt('db.yaml', secretYaml('db', 's3cret-pgp'), 'pgp', onlyData),
      'app.env': await kit.encrypt('app.env', 'TOKEN=s3cret-pgp-env\n', 'pgp'),
    },
    { ageIdentities: [], pgpKeys: [kit.pgp.armoredPrivateKey] },
  );
  assert.equal(secretNamed(objects, 'db').stringData?.['password'], 's3cret-pgp');
  assert.equal(decoded(secretNamed(objects, 'gen-'), 'TOKEN'), 's3cret-pgp-env');
  assert.deepEqual(await sessionProcesses(), [], 'the agent gpg started for the session was stopped');
});

/** Asserts a DecryptionError naming `source`, matching `reason`, and quoting neither plaintext nor key. */
async function assertFails(run: Promise<unknown>, source: string, reason: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof DecryptionError, String(err));
    assert.equal(err.source, source);
    assert.ok(err.message.includes(source), err.message);
    assert.match(err.message, reason);
    for (const secret of ['s3cret', 'AGE-SECRET-KEY', 'PRIVATE KEY'])
      assert.ok(!err.message.includes(secret), err.message);
    return true;
  });
}

test('a wrong key fails naming the Secret, without the plaintext or the key', { skip }, async () => {
  const tree = { 'kustomization.yaml': 'namespace: apps\nresources: [db.yaml]\n', 'db.yaml': '' };
  tree['db.yaml'] = await kit.encrypt('db.yaml', secretYaml('db', 's3cret-wrong'), 'age', onlyData);
  await assertFails(
    decryptAndBuild(tree, { ageIdentities: [kit.otherAge.identity], pgpKeys: [] }),
    'Secret/apps/db',
    /no key in the decryption Secret can decrypt its data key/,
  );
});

test('a missing key (empty decryption Secret) fails naming the generator source', { skip }, async () => {
  await assertFails(
    decryptAndBuild(
      {
        'kustomization.yaml': 'secretGenerator:\n  - name: gen\n    files: [conf/config.json]\n',
        'conf/config.json': await kit.encrypt('config.json', '{"k": "s3cret"}', 'age'),
      },
      { ageIdentities: [], pgpKeys: [] },
    ),
    'conf/config.json',
    /no key in the decryption Secret/,
  );
});

test('a tampered MAC in a generator source fails', { skip }, async () => {
  const enc = await kit.encrypt('app.env', 'PASSWORD=s3cret-mac\nOTHER=x\n', 'age');
  // Re-encrypt nothing: swap in the MAC of another file encrypted with the same key, as an attacker could.
  const otherMac = /^sops_mac=.*$/m.exec(await kit.encrypt('app.env', 'PASSWORD=other\n', 'age'))?.[0] ?? '';
  const tampered = enc.replace(/^sops_mac=.*$/m, otherMac);
  assert.notEqual(tampered, enc);
  await assertFails(
    decryptAndBuild(
      { 'kustomization.yaml': 'secretGenerator:\n  - name: gen\n    envs: [app.env]\n', 'app.env': tampered },
      { ageIdentities: [kit.age.identity], pgpKeys: [] },
    ),
    'app.env',
    /MAC/,
  );
});

test('a tampered value in a Secret fails naming the Secret', { skip }, async () => {
  const enc = await kit.encrypt('db.yaml', secretYaml('db', 's3cret-value'), 'age', onlyData);
  // Flip one character of the ciphertext: AES-GCM authentication must refuse it.
  const tampered = enc.replace(
    /(password: ENC\[AES256_GCM,data:)(.)/,
    (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
  );
  assert.notEqual(tampered, enc);
  await assertFails(
    decryptAndBuild(
      { 'kustomization.yaml': 'resources: [db.yaml]\n', 'db.yaml': tampered },
      { ageIdentities: [kit.age.identity], pgpKeys: [] },
    ),
    'Secret/db',
    /a value does not decrypt/,
  );
});

test('a file encrypted only for a cloud KMS is refused by name before sops runs', { skip }, async () => {
  const enc = await kit.encrypt('app.env', 'PASSWORD=s3cret-kms\n', 'age');
  const kmsOnly = enc.replaceAll('sops_age__list_0__map_', 'sops_kms__list_0__map_');
  await assertFails(
    decryptAndBuild(
      { 'kustomization.yaml': 'secretGenerator:\n  - name: gen\n    envs: [app.env]\n', 'app.env': kmsOnly },
      { ageIdentities: [kit.age.identity], pgpKeys: [] },
    ),
    'app.env',
    /is encrypted only with kms, which Driftless does not support yet/,
  );
});

/** Running processes whose command line or environment names a session's private directory (gpg-agent's GNUPGHOME). */
async function sessionProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (/driftless-sops-(?!test)/.test(cmd + environ)) found.push(cmd.replaceAll('\0', ' '));
  }
  return found;
}

test('a pgp file without its key fails, and no gpg-agent of the session is left running', { skip }, async () => {
  await assertFails(
    decryptAndBuild(
      {
        'kustomization.yaml': 'resources: [db.yaml]\n',
        'db.yaml': await kit.encrypt('db.yaml', secretYaml('db', 's3cret-nokey'), 'pgp', onlyData),
      },
      { ageIdentities: [kit.otherAge.identity], pgpKeys: [] },
    ),
    'Secret/db',
    /no key in the decryption Secret/,
  );
  assert.deepEqual(await sessionProcesses(), []);
});
