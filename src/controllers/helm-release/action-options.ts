// helm's options for each release action, from the HelmRelease spec as helm-controller's action
// constructors (newInstall, newUpgrade, newRollback, newUninstall) set them.
import { actionTimeoutMs, maxHistory, type HelmRelease } from '../../api/helm-release.ts';
import type { WaitStrategy } from '../../helm/cli-args.ts';
import { postRenderOf } from '../../helm/post-render.ts';

/** Helm's wait strategy: hookOnly when waiting is disabled, else spec.waitStrategy (poller → watcher, legacy). */
export const waitFor = (hr: HelmRelease, disableWait: boolean | undefined): WaitStrategy =>
  disableWait ? 'hookOnly' : hr.spec.waitStrategy?.name === 'legacy' ? 'legacy' : 'watcher';

/** helm install options from `spec.install` (helm-controller's newInstall). */
export function installOptionsOf(hr: HelmRelease) {
  const spec = hr.spec.install ?? {};
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'install'),
    wait: waitFor(hr, spec.disableWait),
    waitForJobs: !spec.disableWaitForJobs,
    disableHooks: spec.disableHooks ?? false,
    createNamespace: !!hr.spec.targetNamespace && (spec.createNamespace ?? false),
    // helm never installs the chart's CRDs: applyChartCrds does, per spec.install.crds (helm-controller's way).
    skipCrds: true,
    serverSide: spec.serverSideApply ?? true,
    takeOwnership: !spec.disableTakeOwnership,
    disableOpenApiValidation: spec.disableOpenAPIValidation ?? false,
    skipSchemaValidation: spec.disableSchemaValidation ?? false,
    replace: spec.replace ?? false,
    postRender: postRenderOf(hr),
  };
}

/** Server-side apply per `serverSideApply` (enabled|disabled|auto: as the release's apply method). */
const serverSideOf = (mode: string | undefined, applyMethod: string | undefined): boolean =>
  mode === 'enabled' ? true : mode === 'disabled' ? false : applyMethod === 'ssa';

/** What `spec.upgrade` and `spec.rollback` share. */
interface ReleaseActionSpec {
  serverSideApply?: string | undefined;
  disableWait?: boolean | undefined;
  disableWaitForJobs?: boolean | undefined;
  disableHooks?: boolean | undefined;
  force?: boolean | undefined;
  cleanupOnFail?: boolean | undefined;
}

/** The options upgrade and rollback set alike (helm-controller's newUpgrade and newRollback). */
function releaseActionOptions(
  hr: HelmRelease,
  action: 'upgrade' | 'rollback',
  spec: ReleaseActionSpec,
  applyMethod: string | undefined,
) {
  const serverSide = serverSideOf(spec.serverSideApply, applyMethod);
  return {
    timeoutMs: actionTimeoutMs(hr.spec, action),
    wait: waitFor(hr, spec.disableWait),
    waitForJobs: !spec.disableWaitForJobs,
    disableHooks: spec.disableHooks ?? false,
    maxHistory: maxHistory(hr.spec),
    serverSide: serverSide ? ('true' as const) : ('false' as const),
    forceConflicts: serverSide,
    forceReplace: (spec.force ?? false) && !serverSide,
    cleanupOnFail: spec.cleanupOnFail ?? false,
  };
}

/** helm upgrade options from `spec.upgrade` (helm-controller's newUpgrade); `applyMethod` of the last release. */
export function upgradeOptionsOf(hr: HelmRelease, applyMethod: string | undefined) {
  const spec = hr.spec.upgrade ?? {};
  return {
    ...releaseActionOptions(hr, 'upgrade', spec, applyMethod),
    takeOwnership: !spec.disableTakeOwnership,
    reuseValues: spec.preserveValues ?? false,
    disableOpenApiValidation: spec.disableOpenAPIValidation ?? false,
    skipSchemaValidation: spec.disableSchemaValidation ?? false,
    postRender: postRenderOf(hr),
  };
}

/** helm rollback options from `spec.rollback`; `applyMethod` of the release rolled back to. */
export function rollbackOptionsOf(hr: HelmRelease, applyMethod: string | undefined) {
  return releaseActionOptions(hr, 'rollback', hr.spec.rollback ?? {}, applyMethod);
}

/** helm uninstall options from `spec.uninstall`. */
export function uninstallOptionsOf(hr: HelmRelease) {
  const spec = hr.spec.uninstall ?? {};
  return {
    timeoutMs: actionTimeoutMs(hr.spec, 'uninstall'),
    wait: waitFor(hr, spec.disableWait),
    keepHistory: spec.keepHistory ?? false,
    disableHooks: spec.disableHooks ?? false,
    deletionPropagation: spec.deletionPropagation ?? ('background' as const),
  };
}
