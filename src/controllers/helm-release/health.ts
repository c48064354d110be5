// `spec.healthCheckExprs` of a HelmRelease: helm-controller hands the CEL rules to Helm's wait; Driftless's
// helm build waits with kstatus, so after helm has waited the reconciler waits once more on the release's
// objects the rules match, in what is left of the action's timeout. A release that does not become healthy
// is marked failed in Helm's storage, as Helm's own wait would, and the action fails.
import type { HelmRelease } from '../../api/helm-release.ts';
import { HealthCheckError, waitForHealth, type CustomStatus } from '../../apply/health.ts';
import { compileHealthExprs } from '../../apply/health-exprs.ts';
import { manifestObjects } from '../../helm/manifest.ts';
import { refOf } from '../../kube/types.ts';
import type { ReleaseRequest } from './types.ts';

/** The compiled `spec.healthCheckExprs` (undefined when none); throws HealthExprCompileError. */
export const healthExprsOf = (hr: HelmRelease): CustomStatus | undefined =>
  compileHealthExprs(hr.spec.healthCheckExprs);

/** The smallest wait left to the CEL check when helm used up (nearly) all of the action's timeout. */
const minimumWaitMs = 1000;

/**
 * After a successful install or upgrade that waited (`wait` not disabled): waits until every object of the
 * stored release that `healthCheckExprs` matches is Current by its rules. On timeout or a Failed object the
 * release is marked failed (`Release "<name>" failed: …`, Helm's description) and the error is thrown.
 */
export async function waitForHealthExprs(
  req: ReleaseRequest,
  opts: { waited: boolean; timeoutMs: number; startedAt: number },
): Promise<void> {
  const custom = healthExprsOf(req.obj);
  if (!custom || !opts.waited) return;
  const rel = await req.storage.last(req.releaseName);
  if (!rel) return;
  const objects = await manifestObjects(req.client, rel.manifest ?? '', rel.namespace);
  const targets = objects.filter((o) => custom(o) !== undefined).map(refOf);
  if (targets.length === 0) return;
  const left = Math.max(minimumWaitMs, opts.timeoutMs - (Date.now() - opts.startedAt));
  try {
    await waitForHealth(req.client, targets, {
      timeoutMs: left,
      intervalMs: 1000,
      customStatus: custom,
      signal: req.signal,
    });
  } catch (err) {
    if (!(err instanceof HealthCheckError)) throw err;
    await req.storage.markFailed(rel, `Release "${rel.name}" failed: ${err.message}`);
    throw new Error(err.message, { cause: err });
  }
}
