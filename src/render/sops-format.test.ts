import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsupportedKeyTypeError } from './sops-errors.ts';
import {
  checkKeyTypes,
  formatForPath,
  isSopsEncrypted,
  metadataKeyTypes,
  sopsKeyTypes,
  sopsKeysFromSecretData,
} from './sops-format.ts';
import { generatorSources, isEncryptedSecret, localBases } from './sops-decrypt.ts';

test('formatForPath infers the sops format by suffix as sops does, anything else is binary', () => {
  assert.equal(formatForPath('a/b.yaml'), 'yaml');
  assert.equal(formatForPath('b.yml'), 'yaml');
  assert.equal(formatForPath('b.YAML'), 'binary'); // sops compares suffixes case-sensitively
  assert.equal(formatForPath('b.json'), 'json');
  assert.equal(formatForPath('.env'), 'dotenv');
  assert.equal(formatForPath('app.env'), 'dotenv');
  assert.equal(formatForPath('app.ini'), 'ini');
  assert.equal(formatForPath('tls.key'), 'binary');
});

test('isSopsEncrypted finds the encrypted MAC (or INI metadata section) of each format only', () => {
  assert.ok(isSopsEncrypted('a: ENC[x]\nsops:\n    mac: ENC[AES256_GCM,data:x]\n', 'yaml'));
  assert.ok(!isSopsEncrypted('a: b\nmac: plain\n', 'yaml'));
  assert.ok(isSopsEncrypted('{"sops": {"mac": "ENC[AES256_GCM"}}', 'json'));
  assert.ok(isSopsEncrypted('{"data": "ENC[", "sops": {"mac": "ENC[AES"}}', 'binary'));
  assert.ok(!isSopsEncrypted('{"mac": "x"}', 'json'));
  assert.ok(isSopsEncrypted('A=ENC[x]\nsops_mac=ENC[AES256_GCM]\n', 'dotenv'));
  assert.ok(!isSopsEncrypted('A=1\n', 'dotenv'));
  assert.ok(isSopsEncrypted('[db]\npass = ENC[x]\n\n[sops]\nmac = ENC[y]\n', 'ini'));
  assert.ok(!isSopsEncrypted('[db]\npass = 1\n', 'ini'));
});

test('sopsKeyTypes reads top-level and key_groups entries of YAML and JSON metadata', () => {
  const yaml =
    'a: ENC[x]\nsops:\n  age:\n    - recipient: age1x\n  kms: []\n  key_groups:\n    - hc_vault:\n        - vault_address: http://v\n';
  assert.deepEqual([...sopsKeyTypes(yaml, 'yaml')].sort(), ['age', 'hc_vault']);
  const json = JSON.stringify({ data: 'ENC[x]', sops: { gcp_kms: [{ resource_id: 'r' }], pgp: [{ fp: 'F' }] } });
  assert.deepEqual([...sopsKeyTypes(json, 'binary')].sort(), ['gcp_kms', 'pgp']);
  assert.deepEqual([...sopsKeyTypes(': : not yaml [', 'yaml')], []);
  assert.deepEqual([...metadataKeyTypes(undefined)], []);
});

test('sopsKeyTypes reads the flattened metadata of dotenv and INI without confusing gcp_kms with kms', () => {
  const env =
    'A=ENC[x]\nsops_gcp_kms__list_0__map_resource_id=r\nsops_key_groups__list_0__map_azure_kv__list_0__map_name=k\nsops_mac=ENC[y]\n';
  assert.deepEqual([...sopsKeyTypes(env, 'dotenv')].sort(), ['azure_kv', 'gcp_kms']);
  const ini =
    '[app]\nage__list_0__map_recipient = nope\n\n[sops]\nkms__list_0__map_arn = arn\npgp__list_0__map_fp = F\n';
  assert.deepEqual([...sopsKeyTypes(ini, 'ini')].sort(), ['kms', 'pgp']);
});

test('checkKeyTypes refuses files that only cloud KMS or Vault can open, naming the file and the types', () => {
  checkKeyTypes(new Set(['age', 'kms']), 'a.yaml');
  checkKeyTypes(new Set(), 'a.yaml');
  assert.throws(
    () => checkKeyTypes(new Set(['kms', 'hc_vault']), 'secrets/db.env'),
    (err: unknown) =>
      err instanceof UnsupportedKeyTypeError &&
      err.source === 'secrets/db.env' &&
      /^secrets\/db\.env is encrypted only with hc_vault, kms, which Driftless does not support yet/.test(err.message),
  );
});

test('sopsKeysFromSecretData takes .agekey and .asc entries in name order and ignores the rest', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const keys = sopsKeysFromSecretData({
    'z.agekey': b64('AGE-SECRET-KEY-2'),
    'a.agekey': b64('AGE-SECRET-KEY-1'),
    'me.asc': b64('-----BEGIN PGP PRIVATE KEY BLOCK-----'),
    'sops.vault-token': b64('token'),
    identity: b64('other'),
  });
  assert.deepEqual(keys, {
    ageIdentities: ['AGE-SECRET-KEY-1', 'AGE-SECRET-KEY-2'],
    pgpKeys: ['-----BEGIN PGP PRIVATE KEY BLOCK-----'],
  });
  assert.deepEqual(sopsKeysFromSecretData(undefined), { ageIdentities: [], pgpKeys: [] });
});

test('generatorSources lists secretGenerator files (format by extension) and envs (dotenv), not configMapGenerator', () => {
  const k = {
    secretGenerator: [
      { name: 's', files: ['tls.crt=certs/tls.crt', 'config.yaml'], envs: ['app.env'], env: 'legacy.txt' },
    ],
    configMapGenerator: [{ name: 'c', files: ['plain.yaml'] }],
  };
  assert.deepEqual(generatorSources(k), [
    { ref: 'certs/tls.crt', format: 'binary' },
    { ref: 'config.yaml', format: 'yaml' },
    { ref: 'app.env', format: 'dotenv' },
    { ref: 'legacy.txt', format: 'dotenv' },
  ]);
  assert.deepEqual(localBases({ resources: ['base', 'https://github.com/x/y//z'], components: ['c'] }), ['base', 'c']);
});

test('isEncryptedSecret: v1 Secrets with sops metadata, unless the decrypt annotation disables it', () => {
  const secret = (extra: Record<string, unknown>, annotations?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', ...(annotations ? { annotations } : {}) },
    ...extra,
  });
  assert.ok(isEncryptedSecret(secret({ sops: {} })));
  assert.ok(!isEncryptedSecret(secret({})));
  assert.ok(!isEncryptedSecret(secret({ sops: {} }, { 'kustomize.toolkit.fluxcd.io/decrypt': 'disabled' })));
  assert.ok(!isEncryptedSecret({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, sops: {} }));
});
