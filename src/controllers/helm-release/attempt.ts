// What a HelmRelease's release step records before it acts, as helm-controller does: whether the release target
// moved (then the old release is uninstalled first), the attempted revision, values and generation, and the
// forceAt/resetAt requests.
import { Annotations } from '../../api/constants.ts';
import type { HelmRelease, HelmReleaseStatus } from '../../api/helm-release.ts';

/**
 * Flux's HandleAnnotationRequest (forceAt, resetAt): true when `annotation` equals requestedAt and neither was
 * handled yet; `status[field]` takes the annotation's value either way, so a request is handled once.
 */
export function handleAnnotationRequest(
  hr: HelmRelease,
  status: HelmReleaseStatus,
  annotation: string,
  field: 'lastHandledForceAt' | 'lastHandledResetAt',
): boolean {
  const annotations = hr.metadata.annotations ?? {};
  const requestAt = annotations[annotation];
  const reconcileAt = annotations[Annotations.reconcileRequestedAt];
  if (requestAt === undefined) return false;
  const lastHandled = status[field];
  status[field] = requestAt;
  return (
    reconcileAt !== undefined &&
    requestAt === reconcileAt &&
    hr.status?.lastHandledReconcileAt !== reconcileAt &&
    lastHandled !== requestAt
  );
}

/** True when a release was made before and its storage namespace, namespace, name or chart name changed. */
export function releaseTargetMoved(
  hr: HelmRelease,
  status: HelmReleaseStatus,
  now: { storageNamespace: string; releaseNamespace: string; releaseName: string; chartName: string },
): boolean {
  const cur = status.history?.[0];
  if (!status.storageNamespace || !cur) return false;
  return (
    status.storageNamespace !== now.storageNamespace ||
    cur.namespace !== now.releaseNamespace ||
    cur.name !== now.releaseName ||
    (cur.chartName !== now.chartName && hr.spec.upgrade?.chartNameChangeStrategy !== 'InPlaceUpdate')
  );
}

/**
 * Records the attempt in `status.lastAttempted*`; the failure counters start again when the generation, the
 * chart version or the values changed, or a resetAt request came.
 */
export function recordAttempt(
  hr: HelmRelease,
  status: HelmReleaseStatus,
  attempt: { revision: string; configDigest: string; ociDigest?: string | undefined },
): void {
  const resetRequested = handleAnnotationRequest(hr, status, Annotations.resetRequestedAt, 'lastHandledResetAt');
  if (
    status.lastAttemptedGeneration !== hr.metadata.generation ||
    status.lastAttemptedRevision !== attempt.revision ||
    (status.lastAttemptedConfigDigest && status.lastAttemptedConfigDigest !== attempt.configDigest) ||
    resetRequested
  ) {
    delete status.failures;
    delete status.installFailures;
    delete status.upgradeFailures;
  }
  status.lastAttemptedGeneration = hr.metadata.generation ?? 0;
  status.lastAttemptedRevision = attempt.revision;
  if (attempt.ociDigest) status.lastAttemptedRevisionDigest = attempt.ociDigest;
  else delete status.lastAttemptedRevisionDigest;
  status.lastAttemptedConfigDigest = attempt.configDigest;
}
