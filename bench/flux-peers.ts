// Flux's own controllers as benchmark peers: where `scripts/provision.sh bench` put them and how they were built.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The Flux controllers the benchmark runs; notification-controller only serves P5's Receiver, helm-controller only
 * P9 (provisioned as `flux-helm-controller`: `helm-controller` is Driftless's own Helm helper).
 */
export const FLUX_CONTROLLERS = [
  'source-controller',
  'kustomize-controller',
  'notification-controller',
  'flux-helm-controller',
] as const;
/** One of {@link FLUX_CONTROLLERS}. */
export type FluxControllerName = (typeof FLUX_CONTROLLERS)[number];

/** One provisioned controller. */
export type FluxPeer = {
  name: FluxControllerName;
  /** The binary (`<bin>/<name>`, a link to `<name>-<pinned version>`). */
  bin: string;
  /** The version flux2 pins, from the binary's file name. */
  pinned: string;
  /** The module version actually built (a refused pinned version is replaced by the nearest served patch). */
  version: string;
  /** Its CRD manifests (`config/crd/bases` of the module). */
  crdFiles: string[];
  /** What `provision.sh` recorded: the module version built and every dependency it had to substitute. */
  built: string;
};

/** The controllers, each undefined when not provisioned. */
export type FluxPeers = Partial<Record<FluxControllerName, FluxPeer>>;

/** Pinned version from a versioned binary name, e.g. `kustomize-controller-1.9.5` → `1.9.5`; pure. */
export function pinnedVersion(name: string, file: string): string | undefined {
  const prefix = `${name}-`;
  const rest = path.basename(file).startsWith(prefix) ? path.basename(file).slice(prefix.length) : '';
  return /^\d+\.\d+\.\d+$/.test(rest) ? rest : undefined;
}

/** The module version in `built.txt`'s first line (`built github.com/fluxcd/<name> v1.9.3 with go1.26.8`); pure. */
export function builtVersion(built: string): string | undefined {
  return /^built \S+ v(\d+\.\d+\.\d+)/.exec(built)?.[1];
}

/**
 * Finds the controllers under `cacheDir` (`bin/<name>` and `bench/<name>-<version>/`, as `provision.sh bench`
 * leaves them). A controller whose binary or CRDs are missing is left out rather than failing: the caller decides
 * which rows need which controller.
 */
export async function findFluxPeers(cacheDir: string): Promise<FluxPeers> {
  const peers: FluxPeers = {};
  for (const name of FLUX_CONTROLLERS) {
    const bin = path.join(cacheDir, 'bin', name);
    const target = await readlink(bin).catch(() => undefined);
    const pinned = target ? pinnedVersion(name, target) : undefined;
    if (!pinned || !(await exists(bin))) continue;
    const meta = path.join(cacheDir, 'bench', `${name}-${pinned}`);
    const crdDir = path.join(meta, 'crds');
    const crdFiles = (await readdir(crdDir).catch((): string[] => []))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(crdDir, f));
    if (crdFiles.length === 0) continue;
    const built = (await readFile(path.join(meta, 'built.txt'), 'utf8').catch(() => `${name} v${pinned}`)).trim();
    const version = builtVersion(built) ?? pinned;
    peers[name] = { name, bin, pinned, version, crdFiles, built };
  }
  return peers;
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );
