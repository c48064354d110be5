// The container image (`npm run image`, scripts/image/): built (each layer cached by its inputs, so only a
// changed app rebuilds here), its config and content checked, its commands run inside its root filesystem
// (chroot as the image's user), and pushed to the real registry and read back by digest with oras.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ImageUser, readImageRecord, type ImageRecord } from '../../src/install/image.ts';
import { pushLayout } from '../../scripts/image/push.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const canBuild = spawnSync('mmdebstrap', ['--version']).status === 0;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}
interface ImageConfig {
  config: { User: string; Entrypoint: string[]; Env: string[]; Labels: Record<string, string> };
  rootfs: { diff_ids: string[] };
}

let record: ImageRecord;
let manifestBody: Buffer;
let manifest: { config: Descriptor; layers: Descriptor[] };
let config: ImageConfig;
let rootfs: string;
let registry: TestRegistry | undefined;
const blob = (digest: string) => readFile(path.join(root, '.image/oci/blobs/sha256', digest.slice(7)));

before(async () => {
  if (!canBuild) return;
  await run(process.execPath, ['--import', 'tsx', 'scripts/image/build-image.ts'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const r = readImageRecord(root);
  assert.ok(r, 'npm run image wrote .image/image.json');
  record = r;
  manifestBody = await blob(record.digest);
  manifest = JSON.parse(manifestBody.toString('utf8')) as typeof manifest;
  config = JSON.parse((await blob(manifest.config.digest)).toString('utf8')) as ImageConfig;
  rootfs = await mkdtemp(path.join(tmpdir(), 'driftless-image-rootfs-'));
  for (const l of manifest.layers)
    await run('tar', [
      '--extract',
      '--gzip',
      '--same-owner',
      '--file',
      path.join(root, '.image/oci/blobs/sha256', l.digest.slice(7)),
      '-C',
      rootfs,
    ]);
});
after(async () => {
  await registry?.stop();
  if (rootfs) await rm(rootfs, { recursive: true, force: true });
});

const skip = canBuild ? false : 'mmdebstrap is not installed (scripts/provision.sh debs installs it)';

/** Runs a command inside the image's root filesystem as the image's user, with the image's environment. */
async function inImage(...argv: string[]): Promise<string> {
  const env = Object.fromEntries(
    config.config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
  // A private mount namespace gets the host's /dev (as a container runtime provides one); root switches to the
  // image's user, anyone else runs as the namespace's root.
  const user = process.getuid?.() === 0 ? [`--userspec=${config.config.User}`] : [];
  const script = 'mount --rbind /dev "$0/dev" && exec chroot "$@"';
  const [cmd = '', ...args] = [
    'unshare',
    ...(user.length ? ['--mount'] : ['--map-root-user', '--mount']),
    'sh',
    '-c',
    script,
    rootfs,
    ...user,
    rootfs,
    ...argv,
  ];
  const { stdout, stderr } = await run(cmd, args, { env, maxBuffer: 8 * 1024 * 1024 });
  return stdout + stderr;
}

/** `NAME_VERSION=${NAME_VERSION:-x.y.z}` of scripts/provision.sh. */
async function pinned(name: string): Promise<string> {
  const script = await readFile(path.join(root, 'scripts/provision.sh'), 'utf8');
  const v = new RegExp(`^${name}_VERSION=\\$\\{${name}_VERSION:-([0-9.]+)\\}`, 'm').exec(script)?.[1];
  assert.ok(v, `scripts/provision.sh pins ${name}`);
  return v;
}

test(
  'the image config: non-root user, entrypoint `driftless run`, source and revision labels, no secrets',
  { skip },
  async (t) => {
    const c = config.config;
    assert.equal(c.User, `${ImageUser}:${ImageUser}`);
    assert.notEqual(ImageUser, 0);
    assert.deepEqual(c.Entrypoint.slice(-2), ['/usr/local/bin/driftless', 'run']);
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
    assert.equal(c.Labels['org.opencontainers.image.revision'], head.trim());
    assert.ok(c.Labels['org.opencontainers.image.source']);
    assert.equal(c.Labels['org.opencontainers.image.version'], record.version);
    for (const e of c.Env) assert.doesNotMatch(e.split('=')[0] ?? '', /TOKEN|SECRET|PASSW|KEY|CREDENTIAL|AUTH/i);
    assert.deepEqual(config.rootfs.diff_ids.length, manifest.layers.length);
    const size = manifest.layers.reduce((n, l) => n + l.size, 0);
    assert.equal(record.size, size + manifest.config.size + manifestBody.length);
    t.diagnostic(
      `image ${record.digest}: ${(record.size / 1024 / 1024).toFixed(1)} MiB compressed, layers ${manifest.layers.map((l) => (l.size / 1024 / 1024).toFixed(1)).join(' + ')} MiB`,
    );
  },
);

test(
  'the root filesystem holds no credentials: no private keys, kubeconfigs, registry or npm tokens, shell history',
  { skip },
  async () => {
    const suspicious: string[] = [];
    const names =
      /(^|\/)(\.npmrc|\.git-credentials|\.docker|\.kube|kubeconfig|\.ssh|\.gnupg|\.bash_history|id_rsa|id_ed25519|\.netrc|\.env)$/;
    // A PEM block with its base64 body (code that builds PEM headers from templates does not count).
    const pemPrivateKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40}/;
    const scanned = ['app', 'home', 'root', 'etc', 'data', 'tmp'];
    async function walk(dir: string): Promise<void> {
      for (const d of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, d.name);
        const rel = path.relative(rootfs, p);
        if (names.test(rel)) suspicious.push(rel);
        if (d.isDirectory()) await walk(p);
        else if (
          d.isFile() &&
          (await stat(p)).size < 1024 * 1024 &&
          !rel.startsWith('etc/ssl/') &&
          !rel.startsWith('usr/share/ca-certificates/')
        ) {
          if (pemPrivateKey.test((await readFile(p)).toString('latin1'))) suspicious.push(rel);
        }
      }
    }
    for (const d of scanned)
      await walk(path.join(rootfs, d)).catch((err: NodeJS.ErrnoException) => assert.equal(err.code, 'ENOENT'));
    assert.deepEqual(suspicious, []);
    // The build's apt sources and caches are left out (there is no apt in the image).
    await assert.rejects(stat(path.join(rootfs, 'etc/apt/sources.list.d')));
    await assert.rejects(stat(path.join(rootfs, 'var/lib/apt/extended_states')));
  },
);

test('`driftless --version` and `driftless run --help` work inside the image as its user', { skip }, async () => {
  assert.equal((await inImage('/usr/local/bin/driftless', '--version')).trim(), record.version);
  const help = await inImage('/usr/local/bin/driftless', 'run', '--help');
  assert.match(help, /--watch-label-selector/);
  assert.match(help, /--enable-leader-election/);
  assert.equal((await inImage('id', '-u')).trim(), String(ImageUser));
});

test('the binaries in the image are the pinned versions', { skip }, async () => {
  assert.match(await inImage('kustomize', 'version'), new RegExp(`^v${await pinned('KUSTOMIZE')}\\b`));
  assert.match(await inImage('helm-controller', 'version', '--short'), new RegExp(`^v${await pinned('HELM')}\\b`));
  assert.match(
    await inImage('sops', '--version', '--disable-version-check'),
    new RegExp(`sops ${await pinned('SOPS')}\\b`),
  );
  assert.equal((await inImage('node', '--version')).trim(), process.version);
  assert.match(await inImage('git', '--version'), /^git version \d+\./);
  // Where `driftless run` looks by default ($HOME/.cache/driftless/bin), the same files.
  assert.match(
    await inImage('/home/driftless/.cache/driftless/bin/kustomize', 'version'),
    new RegExp(`^v${await pinned('KUSTOMIZE')}\\b`),
  );
});

test('pushed to the registry, the image reads back by digest (oras), byte for byte', { skip }, async () => {
  registry = await startTestRegistry();
  const digest = await pushLayout(path.join(root, '.image/oci'), `${registry.host}/driftless`, record.version);
  assert.equal(digest, record.digest);
  const oras = path.join(testBinDir(), 'oras');
  const ref = `${registry.host}/driftless@${record.digest}`;
  const fetched = await run(oras, ['manifest', 'fetch', '--plain-http', ref], {
    encoding: 'buffer',
    maxBuffer: 1024 * 1024,
  });
  assert.deepEqual(fetched.stdout, manifestBody);
  const resolved = await run(oras, ['resolve', '--plain-http', `${registry.host}/driftless:${record.version}`]);
  assert.equal(resolved.stdout.trim(), record.digest);
  const configBack = await run(
    oras,
    ['blob', 'fetch', '--plain-http', '--output', '-', `${registry.host}/driftless@${manifest.config.digest}`],
    {
      encoding: 'buffer',
      maxBuffer: 1024 * 1024,
    },
  );
  assert.deepEqual(configBack.stdout, await blob(manifest.config.digest));
});
