// The chart version of a release made from an OCIRepository (helm-controller's
// mutateChartWithSourceRevision): the artifact digest's first 12 hex digits become the version's build
// metadata, so a chart pushed again under the same tag is a new version and upgrades the release.

/** A Masterminds-style semantic version (lenient: `v` prefix, missing minor or patch). */
interface LooseVersion {
  major: string;
  minor: string;
  patch: string;
  prerelease?: string;
}

// Masterminds/semver's NewVersion syntax: optional `v`, minor and patch optional, prerelease and metadata.
const versionSyntax =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function parseLoose(v: string): LooseVersion | undefined {
  const m = versionSyntax.exec(v);
  if (!m) return undefined;
  return { major: m[1] ?? '0', minor: m[2] ?? '0', patch: m[3] ?? '0', ...(m[4] ? { prerelease: m[4] } : {}) };
}

// Equal as Masterminds compares: build metadata does not count; numbers compare as numbers.
const sameVersion = (a: LooseVersion, b: LooseVersion): boolean =>
  BigInt(a.major) === BigInt(b.major) &&
  BigInt(a.minor) === BigInt(b.minor) &&
  BigInt(a.patch) === BigInt(b.patch) &&
  (a.prerelease ?? '') === (b.prerelease ?? '');

const format = (v: LooseVersion, metadata: string): string =>
  `${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ''}+${metadata}`;

/** First 12 hex digits of `<algorithm>:<hex>`; throws Flux's "invalid artifact revision". */
function digestPrefix(digest: string): string {
  const pair = digest.split(':');
  const hex = pair[1];
  if (pair.length !== 2 || hex === undefined || hex.length < 12) throw new Error(`invalid artifact revision ${digest}`);
  return hex.slice(0, 12);
}

/** What the OCI artifact makes of the chart: the version helm stores, and the digest recorded in status. */
export interface OciChartVersion {
  version: string;
  ociDigest: string;
}

/**
 * The chart version with the artifact digest as build metadata, for an OCIRepository artifact revision
 * (`<tag>@sha256:<hex>` or `sha256:<hex>`). A semver tag must equal the chart's version (an OCI tag spells
 * `+` as `_`). Throws with helm-controller's messages (reason ChartMutateError at the caller).
 */
export function ociChartVersion(chartVersion: string, revision: string): OciChartVersion {
  const ver = parseLoose(chartVersion);
  if (!ver) throw new Error(`invalid chart version ${chartVersion}`);
  const at = revision.split('@');
  const tag = at.length > 1 ? parseLoose((at[0] ?? '').replaceAll('_', '+')) : parseLoose(revision);
  if (tag) {
    const digest = at[1];
    if (at.length !== 2 || digest === undefined || !sameVersion(tag, ver)) {
      throw new Error(`artifact revision ${at[0] ?? ''} does not match chart version ${chartVersion}`);
    }
    return { version: format(ver, digestPrefix(digest)), ociDigest: digest };
  }
  return { version: format(ver, digestPrefix(revision)), ociDigest: revision };
}
