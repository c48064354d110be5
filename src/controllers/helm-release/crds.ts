// The CustomResourceDefinitions of a chart's crds/ directories, applied before an install or upgrade as
// helm-controller's applyCRDs does (helm itself is always told to skip them): the policy Skip, Create or
// CreateReplace, the origin labels, then a wait until every applied CRD is established.
import { Labels } from '../../api/constants.ts';
import type { HelmRelease } from '../../api/helm-release.ts';
import { HealthCheckError, waitForHealth } from '../../apply/health.ts';
import { HelmFieldManager } from '../../helm/cli.ts';
import { KubeApiError } from '../../kube/errors.ts';
import { refOf, type KubeObject } from '../../kube/types.ts';
import { parseAllDocuments } from 'yaml';
import { messageOf } from '../shared.ts';
import type { ReleaseRequest } from './types.ts';

/** helm-controller's CRD policies. */
export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

/**
 * The CRD policy of an action: `spec.<action>.crds`, else Create. For an upgrade too: helm-controller's
 * API documents Skip as the upgrade default, but its code (crdPolicyOrDefault) makes an unset policy
 * Create for both actions, and the behaviour is what a release must match. `install.skipCRDs` is
 * deprecated and not read by helm-controller.
 */
export function crdPolicyOf(hr: HelmRelease, action: 'install' | 'upgrade'): CrdPolicy {
  return (action === 'install' ? hr.spec.install?.crds : hr.spec.upgrade?.crds) ?? 'Create';
}

/** The CRDs of `crds` YAML (other kinds in crds/ are dropped, as helm-controller does), with origin labels. */
export function chartCrds(yaml: string, hr: Pick<HelmRelease, 'metadata'>): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw new Error(`failed to parse CustomResourceDefinitions: ${doc.errors[0]?.message}`);
    const obj = doc.toJSON() as KubeObject | null;
    if (!obj || typeof obj !== 'object') continue;
    if (obj.kind !== 'CustomResourceDefinition' || !String(obj.apiVersion).startsWith('apiextensions.k8s.io/'))
      continue;
    const metadata = obj.metadata ?? { name: '' };
    out.push({
      ...obj,
      metadata: {
        ...metadata,
        labels: {
          ...(metadata.labels ?? {}),
          [Labels.helmName]: hr.metadata.name,
          [Labels.helmNamespace]: hr.metadata.namespace ?? '',
        },
      },
    });
  }
  return out;
}

/** The chart's crds/ YAML (its dependencies' too), from `helm show crds` (kept by chart digest) the first time it is asked for. */
export async function chartCrdsYaml(req: ReleaseRequest): Promise<string> {
  req.crdsYaml ??= await req.cli.showCrds(req.chart.path, {
    signal: req.signal,
    ...(req.chart.digest ? { digest: req.chart.digest } : {}),
  });
  return req.crdsYaml;
}

const alreadyExists = (err: unknown): boolean =>
  err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';

/** helm-controller waits this long for applied CRDs (helm's own CRD wait). */
const crdWaitMs = 60_000;

/**
 * Applies the chart's CRDs per `policy` before the action, with the release's identity (`req.client`):
 * server-side (`serverSide`, field manager helm-controller, conflicts forced) both Create and CreateReplace
 * apply, as helm's server-side create does; client-side Create makes the missing ones and leaves existing
 * ones, CreateReplace replaces existing ones. Throws "failed to apply CustomResourceDefinitions: …".
 */
export async function applyChartCrds(req: ReleaseRequest, policy: CrdPolicy, serverSide: boolean): Promise<void> {
  if (policy === 'Skip') return;
  try {
    const crds = chartCrds(await chartCrdsYaml(req), req.obj);
    const applied: KubeObject[] = [];
    for (const crd of crds) {
      const name = crd.metadata.name;
      if (serverSide) {
        await req.client.apply(crd, { fieldManager: HelmFieldManager, force: true }).catch((err: unknown) => {
          throw new Error(`failed to create CustomResourceDefinition ${name}: ${messageOf(err)}`, { cause: err });
        });
        applied.push(crd);
      } else if (policy === 'Create') {
        try {
          await req.client.create(crd, { fieldManager: HelmFieldManager });
          applied.push(crd);
        } catch (err) {
          if (!alreadyExists(err)) {
            throw new Error(`failed to create CustomResourceDefinition ${name}: ${messageOf(err)}`, { cause: err });
          }
        }
      } else {
        await replaceCrd(req, crd);
        applied.push(crd);
      }
    }
    if (applied.length === 0) return;
    await waitForHealth(req.client, applied.map(refOf), { timeoutMs: crdWaitMs, intervalMs: 500, signal: req.signal });
  } catch (err) {
    if (req.signal.aborted) throw err;
    const why =
      err instanceof HealthCheckError
        ? `failed to wait for CustomResourceDefinition(s): ${err.message}`
        : messageOf(err);
    throw new Error(`failed to apply CustomResourceDefinitions: ${why}`, { cause: err });
  }
}

/** Client-side CreateReplace: create a missing CRD, replace an existing one (helm's forced replace). */
async function replaceCrd(req: ReleaseRequest, crd: KubeObject): Promise<void> {
  const name = crd.metadata.name;
  try {
    const live = await req.client.get(refOf(crd));
    if (!live) {
      await req.client.create(crd, { fieldManager: HelmFieldManager });
      return;
    }
    const resourceVersion = live.metadata.resourceVersion;
    await req.client.replace(
      { ...crd, metadata: { ...crd.metadata, ...(resourceVersion ? { resourceVersion } : {}) } },
      { fieldManager: HelmFieldManager },
    );
  } catch (err) {
    throw new Error(`failed to update CustomResourceDefinition ${name}: ${messageOf(err)}`, { cause: err });
  }
}
