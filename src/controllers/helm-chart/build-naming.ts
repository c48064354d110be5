// How source-controller names a chart build: the version's build metadata and the summary in Ready's message.
import { helmChartReconcileStrategy, type HelmChart } from '../../api/helm-chart.ts';
import { parseRevision } from '../../sources/git/revision.ts';

/** The outcome source-controller summarises: a new build, or the stored one still current. */
export interface BuildSummary {
  name: string;
  version: string;
  packaged: boolean;
  valuesFiles: string[];
}

/** source-controller's Build.Summary(): `pulled|packaged '<name>' chart with version '<v>'[ and merged values files [a b]]`. */
export function buildSummary(b: BuildSummary): string {
  const action = b.packaged ? 'packaged' : 'pulled';
  const values = b.valuesFiles.length > 0 ? ` and merged values files [${b.valuesFiles.join(' ')}]` : '';
  return `${action} '${b.name}' chart with version '${b.version}'${values}`;
}

/**
 * The build metadata source-controller appends to the version: with reconcileStrategy Revision, the first 12 hex
 * digits of the GitRepository's commit or of the Bucket's revision digest; with values files, the generation after
 * a dot.
 */
export function versionMetadata(obj: HelmChart, sourceRevision: string | undefined): string {
  let meta = '';
  if (helmChartReconcileStrategy(obj.spec) === 'Revision' && obj.spec.sourceRef.kind === 'GitRepository') {
    const sha = (sourceRevision && parseRevision(sourceRevision)?.sha) ?? sourceRevision ?? '';
    meta = sha.slice(0, 12);
  }
  if (helmChartReconcileStrategy(obj.spec) === 'Revision' && obj.spec.sourceRef.kind === 'Bucket') {
    // `sha256:<hex>`: the hex part; a revision that is not a digest is used as it is.
    const digest = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:([0-9a-f]{32,})$/.exec(sourceRevision ?? '');
    meta = (digest?.[1] ?? sourceRevision ?? '').slice(0, 12);
  }
  if ((obj.spec.valuesFiles ?? []).length > 0) meta += `${meta === '' ? '' : '.'}${obj.metadata.generation ?? 0}`;
  return meta;
}
