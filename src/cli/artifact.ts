// `driftless tag artifact`, `driftless list artifacts` and `driftless diff artifact`: what `flux tag
// artifact`, `flux list artifacts` and `flux diff artifact` do, on the same registries and artifacts.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { untarSafe } from '../artifacts/untar.ts';
import { OciAnnotations, parseManifest, selectLayer } from '../sources/oci/manifest.ts';
import { fetchImageManifest, pullLayer } from '../sources/oci/pull.ts';
import { isValidTag, parseOciUrl, tagsInSemverRange, tagsMatching } from '../sources/oci/reference.ts';
import { CliError, ExitCodes, runAction } from './errors.ts';
import { processIo, renderTable, Reporter, type CommandOptions } from './output.ts';
import { archivePath, artifactTarget, collect, registryClient, type RegistryFlags } from './push.ts';

/** Largest layer `diff artifact` downloads and extracts (the artifacts layer's cap). */
const MAX_LAYER_BYTES = 100 * 1024 * 1024;

const registryOptions = (cmd: Command): Command =>
  cmd
    .option('--creds <user:password>', 'registry credentials')
    .option(
      '--insecure-registry',
      'allow plain HTTP when HTTPS fails (loopback and private registries always may)',
      false,
    );

/** `driftless tag artifact oci://<repo>:<tag> --tag <new>…`: the same manifest under more tags, as `flux tag artifact`. */
export function tagCommand(opts: CommandOptions = {}): Command {
  const artifact = registryOptions(
    new Command('artifact')
      .description('tag an OCI artifact with more tags (the same manifest, no re-upload)')
      .argument('<url>', 'oci://<registry>/<repository>:<tag>')
      .option('--tag <tag>', 'new tag (repeatable, comma-separated)', collect, []),
  ).action(async (url: string, flags: RegistryFlags & { tag: string[] }) => {
    const io = (opts.io ?? processIo)();
    const log = new Reporter(io);
    await runAction(io, async () => {
      if (flags.tag.length === 0) throw new CliError({ reason: 'InvalidArgument', message: '--tag is required' });
      const bad = flags.tag.find((t) => !isValidTag(t));
      if (bad) throw new CliError({ reason: 'InvalidArgument', message: `tag '${bad}' is not a valid OCI tag` });
      const { target, client } = artifactTarget(url, flags);
      log.action('tagging artifact');
      const fetched = await client.manifest(target.tag);
      for (const tag of flags.tag) {
        await client.pushManifest(tag, fetched.body, fetched.mediaType ?? parsedMediaType(fetched.body));
        log.success(`artifact tagged as ${target.registry}/${target.repository}:${tag}`);
      }
    });
  });
  return new Command('tag').description('tag artifacts in an OCI registry, as `flux tag`').addCommand(artifact);
}

/** The media type a manifest document names (for a registry that answered without a Content-Type). */
function parsedMediaType(body: Buffer): string {
  const parsed = parseManifest(body, undefined);
  const type = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
  return type ?? 'application/vnd.oci.image.manifest.v1+json';
}

/** Tags cosign keeps its signatures, attestations and SBOMs under; `flux list artifacts` leaves them out. */
const isCosignTag = (tag: string): boolean => ['.att', '.sbom', '.sig'].some((s) => tag.endsWith(s));

interface ListFlags extends RegistryFlags {
  filterSemver?: string;
  filterRegex?: string;
}

/** `driftless list artifacts oci://<repo>`: each tag with its digest, source and revision, as `flux list artifacts`. */
export function listCommand(opts: CommandOptions = {}): Command {
  const artifacts = registryOptions(
    new Command('artifacts')
      .description("list the tags of an OCI repository with their digests and Flux's source and revision annotations")
      .argument('<url>', 'oci://<registry>/<repository>')
      .option('--filter-semver <range>', 'only tags that are versions in this range')
      .option('--filter-regex <regex>', 'only tags this (Go) regular expression matches'),
  ).action(async (url: string, flags: ListFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      let address: ReturnType<typeof parseOciUrl>;
      try {
        address = parseOciUrl(url);
      } catch (err) {
        throw new CliError({ reason: 'InvalidArgument', message: `invalid URL '${url}': ${(err as Error).message}` });
      }
      const client = registryClient(address, flags);
      let tags = (await client.listTags()).filter((t) => !isCosignTag(t)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
      try {
        if (flags.filterSemver) tags = tagsInSemverRange(tags, flags.filterSemver);
        if (flags.filterRegex) tags = tagsMatching(tags, flags.filterRegex);
      } catch (err) {
        throw new CliError({ reason: 'InvalidArgument', message: (err as Error).message });
      }
      const rows: string[][] = [];
      for (const tag of tags) {
        const fetched = await client.manifest(tag);
        const parsed = parseManifest(fetched.body, fetched.mediaType);
        const annotations = (parsed.kind === 'index' ? parsed.index.annotations : parsed.manifest.annotations) ?? {};
        rows.push([
          `${address.registry}/${address.repository}:${tag}`,
          fetched.digest,
          annotations[OciAnnotations.source] ?? '',
          annotations[OciAnnotations.revision] ?? '',
        ]);
      }
      io.out.write(renderTable(['artifact', 'digest', 'source', 'revision'], rows));
    });
  });
  return new Command('list').description('list artifacts in an OCI registry, as `flux list`').addCommand(artifacts);
}

/** Flags of `diff artifact`. */
export interface DiffArtifactFlags extends RegistryFlags {
  path?: string;
  ignorePaths: string[];
}

/**
 * `driftless diff artifact oci://<repo>:<tag> --path <dir|file>`: whether the artifact's content is the local
 * content. The same layer digest (an archive built alike) settles it at once; otherwise both trees are
 * compared file by file, so an artifact built by `flux push artifact` (Go's gzip) compares by content too.
 * Exit 0 no changes, 1 changes (`the remote artifact contents differs from the local one`, as flux), 2 error.
 */
export async function diffArtifact(url: string, flags: DiffArtifactFlags, log: Reporter): Promise<number> {
  if (!flags.path) throw new CliError({ reason: 'InvalidArgument', message: `invalid path "${flags.path ?? ''}"` });
  const { target, client } = artifactTarget(url, flags);
  const local = await archivePath(flags.path, flags.ignorePaths);
  const { manifest } = await fetchImageManifest(client, (await client.resolve(target.tag)).digest);
  const layer = selectLayer(manifest);
  const localDigest = `sha256:${createHash('sha256').update(local).digest('hex')}`;
  if (layer.digest !== localDigest) {
    const work = await mkdtemp(path.join(tmpdir(), 'driftless-diff-artifact-'));
    try {
      const [theirs, mine] = [path.join(work, 'remote'), path.join(work, 'local')];
      await Promise.all([mkdir(theirs), mkdir(mine)]);
      const remote = await pullLayer({ client, manifest, dir: theirs, maxBytes: MAX_LAYER_BYTES });
      await writeFile(path.join(work, 'local.tgz'), local);
      await untarSafe({
        source: createReadStream(path.join(work, 'local.tgz')),
        dest: mine,
        maxBytes: MAX_LAYER_BYTES,
      });
      if (remote.operation !== 'extract') throw new Error('the layer was not extracted');
      const changes = await compareTrees(mine, remote.dir);
      if (changes.length > 0) {
        log.failure(`the remote artifact contents differs from the local one: ${changes.join('; ')}`);
        return ExitCodes.diffFound;
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  log.success('no changes detected');
  return ExitCodes.ok;
}

/** The differences between two extracted trees: files only on one side, and files whose bytes differ. */
export async function compareTrees(local: string, remote: string): Promise<string[]> {
  const [a, b] = await Promise.all([fileHashes(local), fileHashes(remote)]);
  const out: string[] = [];
  for (const [name, hash] of a) {
    if (!b.has(name)) out.push(`only local: ${name}`);
    else if (b.get(name) !== hash) out.push(`changed: ${name}`);
  }
  for (const name of b.keys()) if (!a.has(name)) out.push(`only remote: ${name}`);
  return out.sort();
}

async function fileHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const hash = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
    out.set(path.relative(dir, full).split(path.sep).join('/'), hash);
  }
  return out;
}
