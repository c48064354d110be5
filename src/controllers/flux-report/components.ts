// The reconciler groups a Driftless manager can run, reported as Flux "components".
import { ApiVersions, ControllerNames, Groups, Kinds } from '../../api/constants.ts';
import type { ComponentStatus } from '../../api/flux-report.ts';

/** A kind a component reconciles, at the apiVersion its informer watches. */
export interface ComponentKind {
  apiVersion: string;
  kind: string;
}

/**
 * The kinds each reconciler group watches, keyed by the Flux controller it stands in for. A group
 * wired in `src/main.ts` adds its entry here (e.g. `notification-controller`) so the report lists
 * it and `flux_resource_info` follows its objects live.
 */
export const ComponentKinds: Readonly<Record<string, readonly ComponentKind[]>> = {
  [ControllerNames.source]: [
    { apiVersion: ApiVersions.source, kind: Kinds.GitRepository },
    { apiVersion: ApiVersions.source, kind: Kinds.OCIRepository },
    { apiVersion: ApiVersions.source, kind: Kinds.Bucket },
    { apiVersion: ApiVersions.source, kind: Kinds.HelmRepository },
    { apiVersion: ApiVersions.source, kind: Kinds.HelmChart },
  ],
  // Flux's source-watcher: ArtifactGenerators, which write ExternalArtifacts (status-only, not reconciled).
  [ControllerNames.sourceWatcher]: [
    { apiVersion: `${Groups.sourceExtensions}/v1beta1`, kind: Kinds.ArtifactGenerator },
  ],
  [ControllerNames.kustomize]: [{ apiVersion: ApiVersions.kustomize, kind: Kinds.Kustomization }],
  [ControllerNames.helm]: [{ apiVersion: ApiVersions.helm, kind: Kinds.HelmRelease }],
  [ControllerNames.notification]: [
    { apiVersion: `${Groups.notification}/v1beta3`, kind: 'Alert' },
    { apiVersion: `${Groups.notification}/v1beta3`, kind: 'Provider' },
    { apiVersion: `${Groups.notification}/v1`, kind: 'Receiver' },
  ],
  [ControllerNames.imageReflector]: [
    { apiVersion: `${Groups.image}/v1`, kind: 'ImageRepository' },
    { apiVersion: `${Groups.image}/v1`, kind: 'ImagePolicy' },
  ],
  [ControllerNames.imageAutomation]: [{ apiVersion: `${Groups.image}/v1`, kind: 'ImageUpdateAutomation' }],
};

/**
 * One `spec.components` entry. A Driftless component is a group of reconcilers inside this
 * manager, not a Deployment, so readiness means: this manager leads (only the leader reconciles)
 * and the group's informers have synced. The status line keeps the Operator's
 * `"<kstatus> <message>"` shape (`Current …` / `InProgress …`). `image` is the manager
 * Deployment's image, known only in-cluster.
 */
export function componentStatus(input: {
  name: string;
  kinds: readonly string[];
  leader: boolean;
  unsynced: readonly string[];
  identity: string;
  image?: string | undefined;
}): ComponentStatus {
  const ready = input.leader && input.unsynced.length === 0;
  let status: string;
  if (!input.leader) status = `InProgress Waiting for leadership in manager ${input.identity}`;
  else if (input.unsynced.length)
    status = `InProgress Caches not synced for ${input.unsynced.join(', ')} in manager ${input.identity}`;
  else status = `Current Reconciling ${input.kinds.join(', ')} in manager ${input.identity}`;
  const out: ComponentStatus = { name: input.name, ready, status };
  if (input.image) out.image = input.image;
  return out;
}
