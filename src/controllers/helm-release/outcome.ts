// How an action's outcome shows: its condition (Released, TestSuccess, Remediated), an event with
// helm-controller's revision metadata, the failure counter, and Ready summarised from the conditions.
import { HelmConditions, type HelmSnapshot } from '../../api/helm-release.ts';
import { deleteCondition, markFalse, markTrue, setCondition, type Condition } from '../../runtime/conditions.ts';
import { observedDigests } from '../../helm/post-render.ts';
import type { ReleaseRequest } from './types.ts';

/** Flux's summarize: Ready from Remediated, TestSuccess (when tests count) and Released, in that order. */
export function summarize(req: Pick<ReleaseRequest, 'obj' | 'metadata' | 'status'>): void {
  const test = req.obj.spec.test;
  const order =
    test?.enable && !test.ignoreFailures
      ? [HelmConditions.Remediated, HelmConditions.TestSuccess, HelmConditions.Released]
      : [HelmConditions.Remediated, HelmConditions.Released];
  if (!test?.enable) deleteCondition(req, HelmConditions.TestSuccess);
  const conds = req.status.conditions ?? [];
  if (conds.length === 0) return;
  const pick = order.map((t) => conds.find((c) => c.type === t)).find((c): c is Condition => c !== undefined);
  if (!pick) return;
  const status = pick.type === HelmConditions.Remediated ? 'False' : pick.status;
  if (status === 'True') deleteCondition(req, 'Stalled');
  setCondition(req, { type: 'Ready', status, reason: pick.reason, message: pick.message });
  const digests = observedDigests(req.obj);
  if (digests.postRenderers) req.status.observedPostRenderersDigest = digests.postRenderers;
  else delete req.status.observedPostRenderersDigest;
  if (digests.commonMetadata) req.status.observedCommonMetadataDigest = digests.commonMetadata;
  else delete req.status.observedCommonMetadataDigest;
}

/** The revision a snapshot (or an attempted chart and config) stands for. */
export type EventRevision = Pick<HelmSnapshot, 'chartVersion' | 'configDigest' | 'appVersion' | 'ociDigest'>;

/** helm-controller's event metadata: revision (chart version), token (config digest), app-version, oci-digest. */
export const eventMeta = (s: EventRevision): Record<string, string> => ({
  revision: s.chartVersion,
  token: s.configDigest,
  ...(s.appVersion ? { 'app-version': s.appVersion } : {}),
  ...(s.ociDigest ? { 'oci-digest': s.ociDigest } : {}),
});

/** What an action came to: failed (a Warning, the failure counter) or succeeded (a Normal event). */
export interface ActionOutcome {
  failed: boolean;
  reason: string;
  message: string;
  /** The condition's status on success: True, except for an unlock (Released stays False). */
  successStatus?: 'True' | 'False';
}

/**
 * Records an action's outcome as helm-controller does: on failure `failures` + 1, `condition` False and a
 * Warning event; on success `condition` True (or `successStatus`) and a Normal event; then Ready is
 * summarised. `also` runs before the summary (e.g. TestSuccess awaiting tests after a release).
 */
export async function recordActionOutcome(
  req: ReleaseRequest,
  condition: string,
  outcome: ActionOutcome,
  revision: EventRevision,
  also?: () => void,
): Promise<void> {
  const { reason, message } = outcome;
  if (outcome.failed) {
    req.status.failures = (req.status.failures ?? 0) + 1;
    markFalse(req, condition, reason, message);
  } else if (outcome.successStatus === 'False') {
    markFalse(req, condition, reason, message);
  } else {
    markTrue(req, condition, reason, message);
  }
  also?.();
  const type = outcome.failed ? 'Warning' : 'Normal';
  await req.event({ type, reason, message, metadata: eventMeta(revision) });
  summarize(req);
}
