// `driftless push artifact` and `driftless pull artifact`: what `flux push/pull artifact` do, so an artifact
// made by either engine is read by the other.
import { copyFile, cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { RegistryClient } from '../sources/oci/client.ts';
import { OciAnnotations } from '../sources/oci/manifest.ts';
import { fetchImageManifest, pullLayer } from '../sources/oci/pull.ts';
import { parseOciArtifactUrl, type OciRepositoryAddress } from '../sources/oci/reference.ts';
import { archiveForPush, pushArtifact } from '../sources/oci/push.ts';
import { CliError, runAction } from './errors.ts';
import { processIo, Reporter, type CommandOptions } from './output.ts';

interface PushFlags {
  path: string;
  source?: string;
  revision?: string;
  annotations: string[];
  creds?: string;
  insecureRegistry: boolean;
  ignorePaths: string[];
}

export const collect = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(',').filter((v) => v),
];

/** `k=v` pairs as a record; CliError naming the first malformed one. */
function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0)
      throw new CliError({ reason: 'InvalidArgument', message: `invalid annotation '${pair}', use key=value` });
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** `driftless push artifact oci://<repo>:<tag> --path …`: archives a directory (or one file) and pushes it. */
export function pushCommand(opts: CommandOptions = {}): Command {
  const push = new Command('push').description('push artifacts to an OCI registry, as `flux push`');
  const artifact = new Command('artifact')
    .description("archive a directory (or file) and push it as an OCI artifact with Flux's media types")
    .argument('<url>', 'oci://<registry>/<repository>:<tag>')
    .requiredOption('--path <path>', 'directory or file to archive')
    .option('--source <url>', 'origin of the content (org.opencontainers.image.source), e.g. the Git URL')
    .option('--revision <rev>', 'origin revision (org.opencontainers.image.revision), e.g. main@sha1:<hex>')
    .option('-a, --annotations <key=value>', 'extra manifest annotation (repeatable)', collect, [])
    .option('--creds <user:password>', 'registry credentials')
    .option(
      '--insecure-registry',
      'allow plain HTTP when HTTPS fails (loopback and private registries always may)',
      false,
    )
    .option('--ignore-paths <pattern>', '.gitignore-style patterns left out (repeatable, comma-separated)', collect, [])
    .action(async (url: string, flags: PushFlags) => {
      const io = (opts.io ?? processIo)();
      const log = new Reporter(io);
      await runAction(io, async () => {
        const { target, client } = artifactTarget(url, flags);
        const layer = await archivePath(flags.path, flags.ignorePaths);
        log.action(`pushing artifact to ${target.registry}/${target.repository}:${target.tag}`);
        const { digest } = await pushArtifact({
          client,
          tag: target.tag,
          layer,
          meta: {
            ...(flags.source ? { source: flags.source } : {}),
            ...(flags.revision ? { revision: flags.revision } : {}),
            annotations: parseAnnotations(flags.annotations),
          },
        });
        log.success(`artifact successfully pushed to ${target.registry}/${target.repository}@${digest}`);
        return 0;
      });
    });
  return push.addCommand(artifact);
}

/** The tar.gz of a directory, or of a directory holding just the given file. */
export async function archivePath(p: string, ignorePaths: readonly string[]): Promise<Buffer> {
  const info = await stat(p).catch(() => {
    throw new CliError({ reason: 'InvalidArgument', message: `invalid path '${p}': no such file or directory` });
  });
  if (info.isDirectory()) return archiveForPush(p, ignorePaths);
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-push-'));
  try {
    await copyFile(p, path.join(dir, path.basename(p)));
    return await archiveForPush(dir, ignorePaths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface PullFlags {
  output: string;
  creds?: string;
  insecureRegistry: boolean;
}

/** Largest layer `pull artifact` downloads and extracts (the artifacts layer's cap). */
const PULL_MAX_BYTES = 100 * 1024 * 1024;

/** `--creds user:password` as credentials; CliError when malformed. */
export function credentialsOf(creds: string | undefined): { username: string; password: string } | undefined {
  if (creds === undefined) return undefined;
  const colon = creds.indexOf(':');
  if (colon <= 0) throw new CliError({ reason: 'InvalidArgument', message: '--creds must be <user>:<password>' });
  return { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
}

/** The registry flags every artifact command takes. */
export interface RegistryFlags {
  creds?: string;
  insecureRegistry: boolean;
}

/** `oci://<registry>/<repository>[:<tag>]` and a client for its repository; CliError for a bad URL or --creds. */
export function artifactTarget(
  url: string,
  flags: RegistryFlags,
): { target: ReturnType<typeof parseOciArtifactUrl>; client: RegistryClient } {
  let target: ReturnType<typeof parseOciArtifactUrl>;
  try {
    target = parseOciArtifactUrl(url);
  } catch (err) {
    throw new CliError({ reason: 'InvalidArgument', message: `invalid URL '${url}': ${(err as Error).message}` });
  }
  return { target, client: registryClient(target, flags) };
}

/** A client for one repository with the `--creds` and `--insecure-registry` of the command line. */
export function registryClient(address: OciRepositoryAddress, flags: RegistryFlags): RegistryClient {
  const credentials = credentialsOf(flags.creds);
  return new RegistryClient({
    registry: address.registry,
    repository: address.repository,
    insecure: flags.insecureRegistry,
    ...(credentials ? { credentials } : {}),
  });
}

/** `driftless pull artifact oci://<repo>:<tag> --output <dir>`: downloads (digest verified) and extracts the first layer. */
export function pullCommand(opts: CommandOptions = {}): Command {
  const pull = new Command('pull').description('pull artifacts from an OCI registry, as `flux pull`');
  const artifact = new Command('artifact')
    .description('download an OCI artifact and extract its first layer (a tar.gz) into a directory')
    .argument('<url>', 'oci://<registry>/<repository>:<tag>')
    .requiredOption('-o, --output <dir>', 'existing directory to extract into')
    .option('--creds <user:password>', 'registry credentials')
    .option('--insecure-registry', 'allow plain HTTP when HTTPS fails', false)
    .action(async (url: string, flags: PullFlags) => {
      const io = (opts.io ?? processIo)();
      const log = new Reporter(io);
      await runAction(io, async () => {
        const { target, client } = artifactTarget(url, flags);
        const info = await stat(flags.output).catch(() => undefined);
        if (!info?.isDirectory()) {
          throw new CliError({
            reason: 'InvalidArgument',
            message: `invalid output path '${flags.output}': not a directory`,
          });
        }
        log.action(`pulling artifact from ${target.registry}/${target.repository}:${target.tag}`);
        const { digest } = await client.resolve(target.tag);
        const { manifest } = await fetchImageManifest(client, digest);
        const source = manifest.annotations?.[OciAnnotations.source];
        const revision = manifest.annotations?.[OciAnnotations.revision];
        if (source) log.success(`source ${source}`);
        if (revision) log.success(`revision ${revision}`);
        log.success(`digest ${target.registry}/${target.repository}@${digest}`);
        const work = await mkdtemp(path.join(tmpdir(), 'driftless-pull-'));
        try {
          const pulled = await pullLayer({ client, manifest, dir: work, maxBytes: PULL_MAX_BYTES });
          if (pulled.operation === 'extract') await cp(pulled.dir, flags.output, { recursive: true });
        } finally {
          await rm(work, { recursive: true, force: true });
        }
        log.success(`artifact content extracted to ${flags.output}`);
        return 0;
      });
    });
  return pull.addCommand(artifact);
}
