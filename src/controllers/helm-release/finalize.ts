// A deleted HelmRelease: uninstall its release with the real helm (spec.uninstall: keepHistory, timeout,
// disableHooks, deletionPropagation) and delete the HelmChart its template made, unless suspended; then
// drop the finalizer. A failed uninstall keeps the finalizer and is retried.
import { Finalizer } from '../../api/constants.ts';
import { HelmReasons, type HelmRelease, type HelmReleaseStatus } from '../../api/helm-release.ts';
import type { HelmCli } from '../../helm/cli.ts';
import { fullReleaseName, versionedChartName } from '../../helm/observation.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { removeFinalizer } from '../../runtime/patch.ts';
import { messageOf } from '../shared.ts';
import { deleteChartTemplate } from './chart.ts';
import { uninstallOptionsOf } from './action-options.ts';

/**
 * Uninstalls the release of the newest history snapshot (Flux's Uninstall action). A release Helm no
 * longer has counts as uninstalled. Records Flux's UninstallSucceeded / UninstallFailed events.
 */
export async function uninstallCurrent(opts: {
  hr: HelmRelease;
  status: HelmReleaseStatus;
  cli: HelmCli;
  asUser?: string;
  /** The kubeconfig of spec.kubeConfig (absent: the engine's cluster). */
  remoteKubeConfig?: string;
  recorder: Pick<EventRecorder, 'record'>;
  signal: AbortSignal;
}): Promise<void> {
  const cur = opts.status.history?.[0];
  if (!cur) return;
  const meta = {
    revision: cur.chartVersion,
    token: cur.configDigest,
    ...(cur.appVersion ? { 'app-version': cur.appVersion } : {}),
  };
  try {
    await opts.cli.uninstall({
      ...uninstallOptionsOf(opts.hr),
      release: cur.name,
      namespace: cur.namespace,
      ...(opts.status.storageNamespace ? { storageNamespace: opts.status.storageNamespace } : {}),
      ...(opts.asUser ? { asUser: opts.asUser } : {}),
      ...(opts.remoteKubeConfig !== undefined ? { remoteKubeConfig: opts.remoteKubeConfig } : {}),
      signal: opts.signal,
    });
  } catch (err) {
    if (/not found/i.test(messageOf(err))) return;
    const msg = `Helm uninstall failed for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}: ${messageOf(err).trim()}`;
    await opts.recorder
      .record(opts.hr, { type: 'Warning', reason: HelmReasons.UninstallFailed, message: msg, metadata: meta })
      .catch(() => undefined);
    throw new Error(msg, { cause: err });
  }
  const msg = `Helm uninstall succeeded for release ${fullReleaseName(cur)} with chart ${versionedChartName(cur)}`;
  await opts.recorder
    .record(opts.hr, { type: 'Normal', reason: HelmReasons.UninstallSucceeded, message: msg, metadata: meta })
    .catch(() => undefined);
}

/**
 * Runs when a HelmRelease is deleted. `remote` resolves the cluster of spec.kubeConfig: `null` when its
 * Secret is gone, so the release cannot be reached and the uninstall is skipped (as helm-controller).
 */
export async function finalizeHelmRelease(opts: {
  hr: HelmRelease;
  client: KubeClient;
  cli: HelmCli;
  recorder: Pick<EventRecorder, 'record'>;
  asUser?: string;
  remote?: () => Promise<{ kubeConfig: string } | null | undefined>;
  signal: AbortSignal;
}): Promise<void> {
  const { hr } = opts;
  const status = hr.status ?? {};
  if (!hr.spec.suspend) {
    const remote = status.storageNamespace && opts.remote ? await opts.remote() : undefined;
    if (status.storageNamespace && remote !== null) {
      await uninstallCurrent({
        hr,
        status,
        cli: opts.cli,
        ...(opts.asUser ? { asUser: opts.asUser } : {}),
        ...(remote ? { remoteKubeConfig: remote.kubeConfig } : {}),
        recorder: opts.recorder,
        signal: opts.signal,
      });
    }
    if (status.helmChart) await deleteChartTemplate(opts.client, status.helmChart);
  }
  await removeFinalizer(opts.client, hr, Finalizer);
}
