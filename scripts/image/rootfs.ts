// The image's Debian root filesystem: mmdebstrap's `essential` variant plus the few packages Driftless
// spawns (git, ssh, gpg) or needs (CA certificates, the C++ runtime of node, tini), from the apt sources
// this machine is configured with (never a mirror written here), cached by everything that shapes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Debian packages of the image beyond the Essential set, and why. */
export const RootfsPackages = [
  'ca-certificates', // TLS to Git hosts, registries, S3, notification providers
  'git', // GitRepository, ImageUpdateAutomation
  'openssh-client', // ssh:// Git URLs and ssh-keygen for SSH commit signatures
  'gpg', // OpenPGP commit signatures and SOPS OpenPGP keys
  'gpg-agent', // sops decrypting with OpenPGP private keys
  'libstdc++6', // node's C++ runtime
  'tini', // PID 1: forwards signals to node and reaps the git/helm/kustomize children's orphans
];

/**
 * mmdebstrap's SOURCE_DATE_EPOCH: fixed, so the cached tarball does not depend on when it was built (the layer
 * made from it gets the image's own epoch on every entry).
 */
const RootfsEpoch = 1704067200;

/** Documentation dpkg leaves out (licences stay). */
const DpkgOptions = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
];

/** The machine's apt source files (one-line `.list` and deb822 `.sources`) that name `suite`. */
export function aptSourceFiles(suite: string, etc = '/etc/apt'): string[] {
  const candidates = [path.join(etc, 'sources.list')];
  const dir = path.join(etc, 'sources.list.d');
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.list') || f.endsWith('.sources')) candidates.push(path.join(dir, f));
  return candidates.filter((f) => existsSync(f) && new RegExp(`\\b${suite}\\b`).test(readFileSync(f, 'utf8')));
}

/** This machine's Debian codename (`VERSION_CODENAME` of /etc/os-release). */
export function debianSuite(): string {
  const release = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const suite = /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1];
  if (!suite || !/^ID=debian$/m.test(release))
    throw new Error('the image root filesystem is built from Debian packages: run `npm run image` on Debian');
  return suite;
}

/**
 * The root filesystem tarball, built once per input set into `cacheDir`: the suite, the packages, dpkg's
 * options, the content of the apt sources used and mmdebstrap's version make the key.
 */
export function buildRootfs(cacheDir: string, log: (line: string) => void): string {
  const mmdebstrap = spawnSync('mmdebstrap', ['--version'], { encoding: 'utf8' });
  if (mmdebstrap.status !== 0)
    throw new Error('mmdebstrap is not installed: `apt-get install mmdebstrap` (scripts/provision.sh debs does)');
  const suite = debianSuite();
  const sources = aptSourceFiles(suite);
  if (sources.length === 0) throw new Error(`no apt source of this machine names ${suite}`);
  const key = createHash('sha256')
    .update(JSON.stringify({ suite, RootfsPackages, DpkgOptions, version: mmdebstrap.stdout.trim() }))
    .update(sources.map((f) => readFileSync(f, 'utf8')).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const tarball = path.join(cacheDir, `rootfs-${suite}-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  log(`mmdebstrap ${suite} (${RootfsPackages.join(', ')}) from ${sources.join(', ')}; a few minutes the first time`);
  const draft = `${tarball}.draft.tar`;
  rmSync(draft, { force: true });
  execFileSync(
    'mmdebstrap',
    [
      '--variant=essential',
      `--include=${RootfsPackages.join(',')}`,
      ...DpkgOptions.map((o) => `--dpkgopt=${o}`),
      '--quiet',
      suite,
      draft,
      ...sources,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, SOURCE_DATE_EPOCH: String(RootfsEpoch) } },
  );
  renameSync(draft, tarball);
  return tarball;
}
