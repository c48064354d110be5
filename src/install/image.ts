// The container image `npm run image` builds (scripts/image/): its user, and the record of the last build
// (.image/image.json) from which `driftless install` takes the image reference by digest.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The image's non-root user and group id (`driftless`). */
export const ImageUser = 65532;
/** The build record, under `.image/` at the repository root. */
export const ImageRecordFile = 'image.json';
/** The repository name the image goes by when no registry was pushed to. */
export const DefaultImageRepository = 'driftless';

/** What `npm run image` built last. */
export interface ImageRecord {
  version: string;
  /** The manifest digest, `sha256:<hex>`. */
  digest: string;
  /** The Git commit built (`org.opencontainers.image.revision`). */
  revision: string;
  created: string;
  /** Compressed size in bytes (layers, config, manifest). */
  size: number;
  /** The OCI image layout, relative to the repository root. */
  layout: string;
  /** `<host>/<repository>` it was pushed to with `npm run image -- --push`. */
  repository?: string;
}

/** The build record in `<root>/.image/`, or undefined when none (or an unreadable one) is there. */
export function readImageRecord(root: string): ImageRecord | undefined {
  const file = path.join(root, '.image', ImageRecordFile);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<ImageRecord>;
    return typeof r.version === 'string' && typeof r.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(r.digest)
      ? (r as ImageRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The manager image `driftless install` uses (pure): `<repository>:<version>@<digest>` when the build record is
 * of this version, else `<repository>:<version>` by tag, with the reason the digest is missing.
 */
export function installImage(version: string, record: ImageRecord | undefined): { image: string; note?: string } {
  const repository = record?.repository ?? DefaultImageRepository;
  if (record && record.version === version) return { image: `${repository}:${version}@${record.digest}` };
  return {
    image: `${DefaultImageRepository}:${version}`,
    note: record
      ? `the image built last is version ${record.version}, not ${version}: the Deployment references ${DefaultImageRepository}:${version} by tag (run \`npm run image\`)`
      : `no image built (\`npm run image\`): the Deployment references ${DefaultImageRepository}:${version} by tag`,
  };
}
