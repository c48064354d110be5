// helm-controller's post-rendering of a release (internal/postrender): `spec.postRenderers` (kustomize
// patches and images, in order), `spec.commonMetadata` (labels and annotations on every object's metadata)
// and the origin labels helm-controller always sets, sent to helm with `spec.postRenderStrategy`; and the
// digests of the first two that status.observed*Digest record (a change makes the release out of sync).
import { createHash } from 'node:crypto';
import type { HelmRelease } from '../api/helm-release.ts';
import type { PostRenderConfig } from './cli-args.ts';

/** The labels helm-controller's origin post-renderer sets on every object: the HelmRelease's name and namespace. */
export const originLabels = (hr: Pick<HelmRelease, 'metadata'>): Record<string, string> => ({
  'helm.toolkit.fluxcd.io/name': hr.metadata.name,
  'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace ?? '',
});

/** The post-render configuration of a release (Flux's BuildPostRenderers; strategy default combined). */
export function postRenderOf(hr: HelmRelease): PostRenderConfig {
  const common = hr.spec.commonMetadata;
  return {
    strategy: hr.spec.postRenderStrategy ?? 'combined',
    kustomize: (hr.spec.postRenderers ?? []).flatMap((r) =>
      r.kustomize ? [{ patches: r.kustomize.patches ?? [], images: r.kustomize.images ?? [] }] : [],
    ),
    ...(common?.labels ? { labels: common.labels } : {}),
    ...(common?.annotations ? { annotations: common.annotations } : {}),
    origin: originLabels(hr),
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Go's encoding/json output of an ordered value: HTML characters escaped, a newline at the end (Encoder). */
function goJson(value: Json): string {
  const text = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${text}\n`;
}

const sortedMap = (m: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k] as string]),
  );

/** Fields in Go struct order, empty ones left out (omitempty). */
function ordered(o: Record<string, unknown> | undefined, keys: readonly string[], always: string[] = []): Json {
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const v = o?.[k];
    if (always.includes(k)) out[k] = (v ?? '') as Json;
    else if (v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k] = v as Json;
  }
  return out;
}

const digestOf = (value: Json): string => `sha256:${createHash('sha256').update(goJson(value)).digest('hex')}`;

/** Flux's postrender.Digest: sha256 of spec.postRenderers as Go encodes them. */
export function postRenderersDigest(postRenderers: NonNullable<HelmRelease['spec']['postRenderers']>): string {
  const selector = ['group', 'version', 'kind', 'namespace', 'name', 'annotationSelector', 'labelSelector'];
  return digestOf(
    postRenderers.map((r): Json => {
      if (!r.kustomize) return {};
      const k = r.kustomize;
      return {
        kustomize: ordered(
          {
            patches: (k.patches ?? []).map((p) => {
              const patch: Record<string, unknown> = { patch: p.patch };
              if (p.target) patch['target'] = ordered(p.target, selector);
              return patch as Json;
            }),
            images: (k.images ?? []).map((i) => ordered(i, ['name', 'newName', 'newTag', 'digest'], ['name'])),
          },
          ['patches', 'images'],
        ),
      };
    }),
  );
}

/** Flux's postrender.CommonMetadataDigest: sha256 of spec.commonMetadata as Go encodes it (maps sorted). */
export function commonMetadataDigest(common: NonNullable<HelmRelease['spec']['commonMetadata']>): string {
  const out: Record<string, Json> = {};
  if (common.annotations && Object.keys(common.annotations).length > 0)
    out['annotations'] = sortedMap(common.annotations);
  if (common.labels && Object.keys(common.labels).length > 0) out['labels'] = sortedMap(common.labels);
  return digestOf(out);
}

/** The digests status.observedPostRenderersDigest and observedCommonMetadataDigest hold for `hr` ('' when unset). */
export function observedDigests(hr: HelmRelease): { postRenderers: string; commonMetadata: string } {
  return {
    postRenderers: hr.spec.postRenderers ? postRenderersDigest(hr.spec.postRenderers) : '',
    commonMetadata: hr.spec.commonMetadata ? commonMetadataDigest(hr.spec.commonMetadata) : '',
  };
}
