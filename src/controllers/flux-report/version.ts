// Driftless's own version and platform, as the report's `spec.operator` and `spec.distribution` show them.
import { packageVersion } from '../../util/package-root.ts';

/** `v` + the `version` of Driftless's package.json (e.g. `v0.1.0`); read when called, never on import. */
export function driftlessVersion(): string {
  return `v${packageVersion()}`;
}

const GoArch: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};
const GoOs: Readonly<Record<string, string>> = { win32: 'windows', sunos: 'solaris' };

/** `<os>/<arch>` of this process in Go's names (`linux/amd64`), like `GOOS/GOARCH` in Flux's reports. */
export function runtimePlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${GoOs[platform] ?? platform}/${GoArch[arch] ?? arch}`;
}
