// Chart builds as source-controller's remote and local builders do them: pick the version, set build
// metadata, merge values files into values.yaml, add file:// dependencies, package. Pure but for I/O
// handed in (the download) or read from a local directory.
import path from 'node:path';
import { UnsafeArchiveError } from '../../artifacts/untar.ts';
import {
  chartMetadata,
  mergeMaps,
  overwriteDefaultValues,
  packChart,
  parseValues,
  readChartArchive,
  readChartDirectory,
  secureJoin,
  setChartVersion,
  vendoredSubcharts,
  withBuildMetadata,
  type ChartFiles,
} from './chart-archive.ts';
import { ChartBuildError } from './errors.ts';
import { resolveChartUrl, selectChartVersion, type RepositoryIndex } from './repo-index.ts';
import { lstat, readFile } from 'node:fs/promises';

/** A finished build: what source-controller's chart.Build reports. */
export interface ChartBuild {
  name: string;
  /** The artifact revision: the chart version, with build metadata when set. */
  version: string;
  /** The chart archive to store. */
  data: Buffer;
  /** True when the chart was (re)packaged rather than stored as downloaded. */
  packaged: boolean;
  /** The values files merged into values.yaml (those found). */
  valuesFiles: string[];
  /** file:// dependencies added to charts/. */
  resolvedDependencies: number;
}

/** What the controller already stored: a build with the same name and version is not redone. */
export interface CachedChart {
  name: string;
  version: string;
}

/** `valuesFiles` as source-controller's BuildOptions.GetValuesFiles: just `values.yaml` means none. */
export function effectiveValuesFiles(valuesFiles: readonly string[]): string[] {
  return valuesFiles.length === 1 && path.posix.normalize(valuesFiles[0] ?? '') === 'values.yaml'
    ? []
    : [...valuesFiles];
}

/** The name and version a remote build would produce, without downloading anything. */
export function remoteBuildTarget(
  index: RepositoryIndex,
  chart: string,
  version: string,
  versionMetadata: string,
): { name: string; version: string; url: string } {
  if (!/^([-a-z0-9]+\/?\.?)+$/.test(chart)) {
    throw new ChartBuildError(
      'InvalidChartReference',
      `invalid chart name '${chart}': a valid name must be lower case letters and numbers and MAY be separated with dashes (-), slashes (/) or periods (.)`,
    );
  }
  const cv = selectChartVersion(index, chart, version);
  const url = cv.urls?.[0];
  if (!url) throw new ChartBuildError('ChartPullError', `chart '${cv.name}' has no downloadable URLs`);
  const built = versionMetadata === '' ? cv.version : withBuildMetadata(cv.version, versionMetadata);
  return { name: cv.name, version: built, url };
}

/** Options of `buildRemoteChart`. */
export interface RemoteBuildOptions {
  index: RepositoryIndex;
  repositoryUrl: string;
  chart: string;
  version: string;
  valuesFiles: readonly string[];
  ignoreMissingValuesFiles: boolean;
  versionMetadata: string;
  /** Downloads a resolved chart URL (bounded). */
  download: (url: string) => Promise<Buffer>;
}

/** Pulls a chart from an HTTP repository; repackages it only when values files or build metadata apply. */
export async function buildRemoteChart(o: RemoteBuildOptions): Promise<ChartBuild> {
  const target = remoteBuildTarget(o.index, o.chart, o.version, o.versionMetadata);
  const url = resolveChartUrl(o.repositoryUrl, target.url);
  const data = await o.download(url).catch((err: unknown) => {
    throw new ChartBuildError(
      'ChartPullError',
      `failed to download chart for remote reference: ${(err as Error).message}`,
    );
  });
  const files = await loadArchive(data);
  const md = chartMetadata(files);
  const valuesFiles = effectiveValuesFiles(o.valuesFiles);
  if (valuesFiles.length === 0 && o.versionMetadata === '') {
    return { name: md.name, version: target.version, data, packaged: false, valuesFiles: [], resolvedDependencies: 0 };
  }
  setChartVersion(files, target.version);
  let merged: Record<string, unknown> = {};
  const found: string[] = [];
  for (const p of o.valuesFiles) {
    const name = path.posix.normalize(p);
    const body = files.get(name);
    if (body === undefined || name.startsWith('templates/') || name.startsWith('charts/')) {
      if (o.ignoreMissingValuesFiles) continue;
      throw new ChartBuildError(
        'ValuesFilesError',
        `failed to merge chart values: no values file found at path '${p}'`,
      );
    }
    merged = mergeMaps(merged, parseValues(body, p));
    found.push(p);
  }
  const changed = overwriteDefaultValues(files, merged);
  return {
    name: md.name,
    version: target.version,
    data: await packChart(md.name, files),
    packaged: true,
    valuesFiles: changed ? found : [],
    resolvedDependencies: 0,
  };
}

/** Options of `buildLocalChart`. */
export interface LocalBuildOptions {
  /** The unpacked source artifact. */
  root: string;
  /** `spec.chart`: a chart directory or a packaged chart file, relative to `root`. */
  chartPath: string;
  valuesFiles: readonly string[];
  ignoreMissingValuesFiles: boolean;
  versionMetadata: string;
  /**
   * Downloads a dependency from an http(s) chart repository (source-controller's dependency manager: the
   * HelmRepository of the namespace with that URL, with its credentials, else the repository anonymously).
   * Without it such dependencies are refused.
   */
  remoteDependency?: (dep: RemoteDependency) => Promise<Buffer>;
}

/** A Chart.yaml dependency to fetch from a chart repository. */
export interface RemoteDependency {
  name: string;
  version: string;
  repository: string;
}

/** The name and version a local build would produce (reads only Chart.yaml). */
export async function localBuildTarget(o: LocalBuildOptions): Promise<{ name: string; version: string }> {
  const files = await loadLocal(o.root, o.chartPath);
  const md = chartMetadata(files);
  return {
    name: md.name,
    version: o.versionMetadata === '' ? md.version : withBuildMetadata(md.version, o.versionMetadata),
  };
}

/**
 * Packages a chart from a source artifact: a directory is always packaged (with values files merged and
 * file:// dependencies added under charts/); a packaged chart is kept as is unless values files or build
 * metadata apply. A dependency that is neither vendored in charts/ nor file:// is refused.
 */
export async function buildLocalChart(o: LocalBuildOptions): Promise<ChartBuild> {
  const target = secureJoin(o.root, o.chartPath);
  const isDir = (await lstat(target).catch(() => undefined))?.isDirectory() ?? false;
  const files = await loadLocal(o.root, o.chartPath);
  const md = chartMetadata(files);
  const version = o.versionMetadata === '' ? md.version : withBuildMetadata(md.version, o.versionMetadata);
  const valuesFiles = effectiveValuesFiles(o.valuesFiles);
  if (!isDir && valuesFiles.length === 0 && o.versionMetadata === '') {
    return {
      name: md.name,
      version,
      data: await readFile(target),
      packaged: false,
      valuesFiles: [],
      resolvedDependencies: 0,
    };
  }
  let found: string[] = [];
  if (valuesFiles.length > 0) {
    let merged: Record<string, unknown> = {};
    for (const p of o.valuesFiles) {
      const file = secureJoin(o.root, p);
      const info = await lstat(file).catch(() => undefined);
      if (!info && o.ignoreMissingValuesFiles) continue;
      if (!info?.isFile()) {
        throw new ChartBuildError(
          'ValuesFilesError',
          `no values file found at path '${path.relative(o.root, file)}' (reference '${p}')`,
        );
      }
      merged = mergeMaps(merged, parseValues(await readFile(file), p));
      found.push(p);
    }
    if (!overwriteDefaultValues(files, merged)) found = [];
  }
  if (version !== md.version) setChartVersion(files, version);
  const resolvedDependencies = isDir ? await addDependencies(o, files) : 0;
  return {
    name: md.name,
    version,
    data: await packChart(md.name, files),
    packaged: true,
    valuesFiles: found,
    resolvedDependencies,
  };
}

/**
 * Adds the dependencies missing from charts/, as directories (Helm's Save layout): `file://` ones from the
 * source, http(s) ones through `remoteDependency`; aliased (`@repo`, `alias:`) and OCI repositories are refused.
 */
async function addDependencies(o: LocalBuildOptions, files: ChartFiles): Promise<number> {
  const md = chartMetadata(files);
  const vendored = await vendoredSubcharts(files);
  let added = 0;
  for (const dep of md.dependencies ?? []) {
    if (vendored.has(dep.name)) continue;
    const repo = dep.repository ?? '';
    let depFiles: ChartFiles;
    if (repo === '' || repo.startsWith('file://')) {
      const depPath = path.posix.join(o.chartPath, repo.slice('file://'.length));
      depFiles = await loadLocal(o.root, depPath).catch((err: unknown) => {
        throw new ChartBuildError(
          'DependencyBuildError',
          `failed to add dependency '${dep.name}' from '${repo}': ${(err as Error).message}`,
        );
      });
    } else if (/^https?:\/\//.test(repo) && o.remoteDependency) {
      const data = await o
        .remoteDependency({ name: dep.name, version: dep.version ?? '', repository: repo })
        .catch((err: unknown) => {
          throw new ChartBuildError(
            'DependencyBuildError',
            `failed to add remote dependency '${dep.name}': ${(err as Error).message}`,
          );
        });
      depFiles = await readChartArchive(data);
    } else {
      const what = repo.startsWith('oci://')
        ? 'OCI chart repositories are not supported by Driftless yet'
        : /^https?:\/\//.test(repo)
          ? 'this build does not fetch remote dependencies'
          : 'aliased repositories (@name, alias:name) are not supported by Driftless yet';
      throw new ChartBuildError(
        'DependencyBuildError',
        `dependency '${dep.name}' from '${repo}' is not vendored in charts/ and ${what}: run 'helm dependency build' and commit the charts/ directory`,
      );
    }
    const depMd = chartMetadata(depFiles);
    for (const [rel, body] of depFiles) files.set(`charts/${depMd.name}/${rel}`, body);
    added++;
  }
  return added;
}

async function loadLocal(root: string, chartPath: string): Promise<ChartFiles> {
  const target = secureJoin(root, chartPath);
  const info = await lstat(target).catch(() => undefined);
  if (!info) throw new ChartBuildError('InvalidChartReference', `path '${chartPath}' not found in the source artifact`);
  if (info.isSymbolicLink()) throw new UnsafeArchiveError(`chart path '${chartPath}' is a symbolic link`);
  if (info.isDirectory()) return readChartDirectory(root, chartPath);
  return loadArchive(await readFile(target));
}

async function loadArchive(data: Buffer): Promise<ChartFiles> {
  return readChartArchive(data);
}
