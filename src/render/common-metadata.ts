// Flux's `spec.commonMetadata`: labels and annotations stamped on every built object after kustomize runs.
import type { KubeObject } from './types.ts';

/** The labels and annotations of `spec.commonMetadata`. */
export type CommonMetadata = { labels?: Record<string, string>; annotations?: Record<string, string> };

/**
 * Returns copies of `objects` with `meta.labels` and `meta.annotations` merged into each object's metadata,
 * overriding existing keys as Flux's SetCommonMetadata does; objects are returned as-is when `meta` is empty.
 */
export function setCommonMetadata(objects: readonly KubeObject[], meta: CommonMetadata | undefined): KubeObject[] {
  const labels = meta?.labels ?? {};
  const annotations = meta?.annotations ?? {};
  const hasLabels = Object.keys(labels).length > 0;
  const hasAnnotations = Object.keys(annotations).length > 0;
  if (!hasLabels && !hasAnnotations) return [...objects];
  return objects.map((obj) => {
    const metadata = { ...obj.metadata };
    if (hasLabels) metadata.labels = { ...obj.metadata.labels, ...labels };
    if (hasAnnotations) metadata.annotations = { ...obj.metadata.annotations, ...annotations };
    return { ...obj, metadata };
  });
}
