// OCIRepository spec.verify end to end: artifacts in a real registry (distribution v3) signed by the real
// `cosign` (scripts/provision.sh cosign) with key pairs made here, in both of cosign's formats (v3 Sigstore
// bundles attached as referrers, the v2 `sha256-<hex>.sig` tag); the engine verifies with the public key of
// spec.verify.secretRef. Unsigned and wrongly signed revisions keep the last artifact; keyless is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiVersions } from '../../src/api/constants.ts';
import type { Artifact } from '../../src/api/meta.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { archiveForPush, pushArtifact } from '../../src/sources/oci/push.ts';
import { ksRef, kustomization, ref, startTestEnv, type TestEnv } from '../support/env.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const ns = 'oci-verify';
let env: TestEnv;
let registry: TestRegistry;
let keys: { trusted: KeyPair; other: KeyPair };

interface KeyPair {
  key: string;
  pub: string;
}

/** `cosign generate-key-pair` in its own directory (the private key encrypted with an empty password). */
async function generateKeyPair(name: string): Promise<KeyPair> {
  const dir = await mkdtemp(path.join(env.tmp, `cosign-${name}-`));
  await run(path.join(testBinDir(), 'cosign'), ['generate-key-pair'], { cwd: dir, env: cosignEnv(dir) });
  return { key: path.join(dir, 'cosign.key'), pub: await readFile(path.join(dir, 'cosign.pub'), 'utf8') };
}

const cosignEnv = (home: string) => ({ PATH: process.env['PATH'] ?? '', HOME: home, COSIGN_PASSWORD: '' });

/**
 * `cosign sign --key` of `<registry>/<repository>@<digest>`, offline (no transparency log, no signing config
 * from the public Sigstore instance). `bundle` false writes cosign v2's `.sig` tag instead of a v3 bundle.
 */
async function cosignSign(pair: KeyPair, repository: string, digest: string, bundle: boolean): Promise<void> {
  await run(
    path.join(testBinDir(), 'cosign'),
    [
      'sign',
      '--key',
      pair.key,
      '--tlog-upload=false',
      '--use-signing-config=false',
      `--new-bundle-format=${bundle}`,
      '--allow-http-registry',
      '--yes',
      `${registry.host}/${repository}@${digest}`,
    ],
    { env: cosignEnv(path.dirname(pair.key)) },
  );
}

before(async () => {
  env = await startTestEnv();
  registry = await startTestRegistry();
  await env.namespace(ns);
  keys = { trusted: await generateKeyPair('trusted'), other: await generateKeyPair('other') };
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cosign-keys', namespace: ns },
    stringData: { 'cosign.pub': keys.trusted.pub },
  });
});
after(async () => {
  await registry?.stop();
  await env?.stop();
});

const ociRef = (name: string) => ref(ApiVersions.source, 'OCIRepository', ns, name);
const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  value: ${value}\n`;

function ociRepository(name: string, repository: string, verify: Record<string, unknown>, token = ''): KubeObject {
  return {
    apiVersion: ApiVersions.source,
    kind: 'OCIRepository',
    metadata: { name, namespace: ns, annotations: token ? { 'reconcile.fluxcd.io/requestedAt': token } : {} },
    spec: { url: `oci://${registry.host}/${repository}`, interval: '10m', ref: { tag: 'latest' }, verify },
  };
}

async function push(repository: string, value: string): Promise<string> {
  const dir = await mkdtemp(path.join(env.tmp, 'oci-verify-src-'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'cm.yaml'), configMap(repository.replace(/\W/g, '-'), value));
  const client = new RegistryClient({ registry: registry.host, repository });
  const { digest } = await pushArtifact({ client, tag: 'latest', layer: await archiveForPush(dir), meta: {} });
  return digest;
}

type Cond = { type: string; status: string; reason: string; message: string };
const conditionOf = (o: KubeObject | undefined, type: string) =>
  (o?.status as { conditions?: Cond[] } | undefined)?.conditions?.find((c) => c.type === type);
const artifactOf = (o: KubeObject | undefined) => (o?.status as { artifact?: Artifact } | undefined)?.artifact;

async function configMapValue(name: string): Promise<string | undefined> {
  const cm = await env.get<KubeObject & { data?: Record<string, string> }>(ref('v1', 'ConfigMap', ns, name));
  return cm?.data?.['value'];
}

/** Waits until the OCIRepository is Ready=False with VerificationError for `digest`; returns it. */
async function waitForVerificationError(name: string, digest: string): Promise<KubeObject> {
  return env.waitFor(`${name}: VerificationError for ${digest}`, async () => {
    const o = await env.get(ociRef(name));
    const ready = conditionOf(o, 'Ready');
    return ready?.status === 'False' && ready.reason === 'VerificationError' && ready.message.includes(digest)
      ? o
      : undefined;
  });
}

void test('spec.verify with a cosign public key: a v3 bundle signature verifies, unsigned and wrongly signed revisions keep the last artifact, a v2 .sig signature verifies', async () => {
  const repository = 'signed/app';
  const first = await push(repository, 'one');
  await cosignSign(keys.trusted, repository, first, true);
  const verify = { provider: 'cosign', secretRef: { name: 'cosign-keys' } };
  await env.apply(ociRepository('app', repository, verify));
  const ready = await env.waitFor('app verified at the first revision', async () => {
    const o = await env.get(ociRef('app'));
    return artifactOf(o)?.revision === `latest@${first}` && conditionOf(o, 'Ready')?.status === 'True' ? o : undefined;
  });
  const verified = conditionOf(ready, 'SourceVerified');
  assert.equal(verified?.status, 'True');
  assert.equal(verified?.reason, 'Succeeded');
  assert.equal(verified?.message, `verified signature of revision latest@${first}`);
  await env.apply(kustomization(ns, 'app', 'app', { sourceRef: { kind: 'OCIRepository', name: 'app' } }));
  await env.waitForReady(ksRef(ns, 'app'));
  assert.equal(await configMapValue('signed-app'), 'one');

  // An unsigned push to the tag: Ready=False and SourceVerified=False (VerificationError), the last artifact stays.
  const unsigned = await push(repository, 'two');
  await env.apply(ociRepository('app', repository, verify, 'unsigned'));
  let failed = await waitForVerificationError('app', unsigned);
  assert.equal(conditionOf(failed, 'SourceVerified')?.status, 'False');
  assert.equal(conditionOf(failed, 'SourceVerified')?.reason, 'VerificationError');
  assert.match(
    conditionOf(failed, 'Ready')!.message,
    new RegExp(
      `^failed to verify the signature using provider 'cosign': no matching signatures were found for '${registry.host}/${repository}@${unsigned}': the artifact is not signed`,
    ),
  );
  assert.equal(artifactOf(failed)?.revision, `latest@${first}`);
  const warning = await env.waitFor('VerificationError warning event', async () => {
    const list = await env.client.list('v1', 'Event', { namespace: ns });
    return (list.items as { reason?: string; type?: string; involvedObject?: { name?: string } }[]).find(
      (e) => e.involvedObject?.name === 'app' && e.reason === 'VerificationError' && e.type === 'Warning',
    );
  });
  assert.ok(warning);

  // Signed with a key the Secret does not hold: still refused, still the first artifact and ConfigMap.
  await cosignSign(keys.other, repository, unsigned, true);
  await env.apply(ociRepository('app', repository, verify, 'wrong-key'));
  failed = await env.waitFor('refused for the wrong key', async () => {
    const o = await env.get(ociRef('app'));
    return conditionOf(o, 'Ready')?.message.includes('none signed with cosign.pub') ? o : undefined;
  });
  assert.equal(artifactOf(failed)?.revision, `latest@${first}`);
  assert.equal(await configMapValue('signed-app'), 'one');

  // A third revision signed in cosign v2's format (the `.sig` tag) with the trusted key is accepted.
  const third = await push(repository, 'three');
  await cosignSign(keys.trusted, repository, third, false);
  await env.apply(ociRepository('app', repository, verify, 'v2-signature'));
  const moved = await env.waitFor('app verified at the third revision', async () => {
    const o = await env.get(ociRef('app'));
    return artifactOf(o)?.revision === `latest@${third}` && conditionOf(o, 'Ready')?.status === 'True' ? o : undefined;
  });
  assert.equal(conditionOf(moved, 'SourceVerified')?.message, `verified signature of revision latest@${third}`);
  await env.waitFor('ConfigMap signed-app = three', async () => (await configMapValue('signed-app')) === 'three');
});

void test('a v2 signature with the wrong key, and a missing keys Secret, fail with VerificationError', async () => {
  const repository = 'signed/v2-wrong';
  const digest = await push(repository, 'x');
  await cosignSign(keys.other, repository, digest, false);
  await env.apply(ociRepository('v2-wrong', repository, { provider: 'cosign', secretRef: { name: 'cosign-keys' } }));
  const failed = await waitForVerificationError('v2-wrong', digest);
  assert.match(conditionOf(failed, 'Ready')!.message, /1 cosign signature\(s\) attached, none valid/);
  assert.equal(artifactOf(failed), undefined);

  await env.apply(ociRepository('no-secret', repository, { provider: 'cosign', secretRef: { name: 'absent' } }));
  const missing = await env.waitFor('no-secret refused', async () => {
    const o = await env.get(ociRef('no-secret'));
    return conditionOf(o, 'Ready')?.reason === 'VerificationError' ? o : undefined;
  });
  assert.equal(
    conditionOf(missing, 'Ready')?.message,
    `failed to verify the signature using provider 'cosign': secrets "absent" not found`,
  );
});

void test('keyless cosign (no secretRef, matchOIDCIdentity, trustedRootSecretRef) and notation are refused by name', async () => {
  const repository = 'signed/keyless';
  await push(repository, 'k');
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['keyless', { provider: 'cosign' }, /spec\.verify without spec\.verify\.secretRef \(keyless/],
    [
      'oidc',
      {
        provider: 'cosign',
        matchOIDCIdentity: [{ issuer: '^https://token.actions.githubusercontent.com$', subject: '.*' }],
      },
      /spec\.verify\.matchOIDCIdentity/,
    ],
    ['root', { provider: 'cosign', trustedRootSecretRef: { name: 'root' } }, /spec\.verify\.trustedRootSecretRef/],
    ['notation', { provider: 'notation', secretRef: { name: 'cosign-keys' } }, /spec\.verify\.provider.*notation/],
  ];
  for (const [name, verify] of cases) await env.apply(ociRepository(name, repository, verify));
  for (const [name, , message] of cases) {
    const o = await env.waitFor(`${name} NotSupported`, async () => {
      const got = await env.get(ociRef(name));
      return conditionOf(got, 'Stalled')?.reason === 'NotSupported' ? got : undefined;
    });
    assert.match(conditionOf(o, 'Ready')!.message, message, name);
    assert.equal(artifactOf(o), undefined, name);
  }
});
