// helm-controller's drift detection of a deployed release (`spec.driftDetection`): the state Drifted, the
// Drifted condition and DriftDetected event, and the 'correct cluster drift' action (mode enabled) that
// puts the cluster back to the release manifest and reports DriftCorrected or DriftCorrectionFailed.
import { HelmConditions } from '../../api/helm-release.ts';
import { HelmFieldManager } from '../../helm/cli.ts';
import {
  applyDiff,
  compileDriftIgnore,
  diffRelease,
  hasChanges,
  summarizeDiffSet,
  type ObjectDiff,
} from '../../helm/drift.ts';
import { fullReleaseName } from '../../helm/observation.ts';
import { manifestObjects, withHelmMetadata } from '../../helm/manifest.ts';
import type { HelmStoredRelease } from '../../helm/release-storage.ts';
import { markTrue, markUnknown } from '../../runtime/conditions.ts';
import { eventMeta } from './outcome.ts';
import { latest } from './remediation.ts';
import type { Action, ReleaseRequest } from './types.ts';

/** Reasons of the Drifted condition and the drift events. */
export const DriftReasons = {
  DriftDetected: 'DriftDetected',
  NoDriftDetected: 'NoDriftDetected',
  DriftCorrected: 'DriftCorrected',
  DriftCorrectionFailed: 'DriftCorrectionFailed',
} as const;

/** `spec.driftDetection.mode`, default disabled. */
export const driftMode = (req: Pick<ReleaseRequest, 'obj'>): 'enabled' | 'warn' | 'disabled' =>
  req.obj.spec.driftDetection?.mode ?? 'disabled';

/** Flux's MustDetectChanges: mode enabled or warn. */
export const mustDetectChanges = (req: Pick<ReleaseRequest, 'obj'>): boolean => driftMode(req) !== 'disabled';

/**
 * The drift of the stored release against the cluster; undefined when nothing drifted. Objects that could
 * not be diffed fail the state when nothing else drifted (Flux: unable to determine cluster state).
 */
export async function releaseDrift(req: ReleaseRequest, rel: HelmStoredRelease): Promise<ObjectDiff[] | undefined> {
  const ignore = compileDriftIgnore(req.obj.spec.driftDetection?.ignore ?? []);
  const objects = withHelmMetadata(
    await manifestObjects(req.client, rel.manifest ?? '', rel.namespace),
    rel.name,
    rel.namespace,
  );
  const { set, errors } = await diffRelease({
    client: req.client,
    objects,
    fieldManager: HelmFieldManager,
    ignore,
    signal: req.signal,
  });
  if (hasChanges(set)) return set;
  if (errors.length > 0) throw new Error(`unable to determine cluster state: ${errors.join('; ')}`);
  return undefined;
}

/** Drifted=True with Flux's message and a DriftDetected warning. */
export async function reportDrift(req: ReleaseRequest, set: readonly ObjectDiff[]): Promise<void> {
  const cur = latest(req.status);
  const msg = `Cluster state of release ${cur ? fullReleaseName(cur) : `${req.releaseNamespace}/${req.releaseName}`} has drifted from the desired state:\n${summarizeDiffSet(set)}`;
  await req.event({ type: 'Warning', reason: DriftReasons.DriftDetected, message: msg });
  markTrue(req, HelmConditions.Drifted, DriftReasons.DriftDetected, msg);
}

/** The 'correct cluster drift' action of a drift set (Flux's CorrectClusterDrift). */
export function correctDriftAction(set: readonly ObjectDiff[]): Action {
  return {
    name: 'correct cluster drift',
    type: 'drift correction',
    async run(req) {
      if (driftMode(req) !== 'enabled' || set.length === 0) return;
      markUnknown(req, 'Ready', 'Progressing', 'correcting cluster drift');
      const { changes, errors } = await applyDiff(req.client, set, HelmFieldManager);
      const cur = latest(req.status);
      if (!cur) return;
      const metadata = eventMeta(cur);
      if (errors.length > 0) {
        let message = `Failed to ${changes.length > 0 ? 'partially ' : ''}correct cluster state of release ${fullReleaseName(cur)}:\n${errors.join('\n')}`;
        if (changes.length > 0) message += `\n\nSuccessful corrections:\n${changes.join('\n')}`;
        await req.event({ type: 'Warning', reason: DriftReasons.DriftCorrectionFailed, message, metadata });
      } else if (changes.length > 0) {
        const message = `Cluster state of release ${fullReleaseName(cur)} has been corrected:\n${changes.join('\n')}`;
        await req.event({ type: 'Normal', reason: DriftReasons.DriftCorrected, message, metadata });
      }
    },
  };
}
