import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ControllerNames } from './api/constants.ts';
import { EventAnnotationPrefix } from './notify/event.ts';
import { forwardEvents, isEventsUrl } from './notify/forward.ts';
import { ArtifactStorage } from './artifacts/storage.ts';
import { startArtifactServer } from './artifacts/server.ts';
import { ArtifactTreeCache } from './artifacts/tree-cache.ts';
import { leaseNameFor, OperatorComponent, parseControllers } from './config/flags.ts';
import type { ManagerConfig } from './config/manager-config.ts';
import { setupArtifactGeneratorController } from './controllers/artifact-generator/setup.ts';
import { setupBucketController } from './controllers/bucket/setup.ts';
import { setupGitRepositoryController } from './controllers/git-repository/setup.ts';
import { setupHelmChartController } from './controllers/helm-chart/setup.ts';
import { setupHelmRepositoryController } from './controllers/helm-repository/setup.ts';
import { setupOCIRepositoryController } from './controllers/oci-repository/setup.ts';
import { setupFluxInstanceController } from './controllers/flux-instance/setup.ts';
import { setupFluxReportController } from './controllers/flux-report/setup.ts';
import { requestReportUpdate } from './controllers/flux-report/request-update.ts';
import { setupKustomizationController } from './controllers/kustomization/setup.ts';
import { setupImagePolicyController } from './controllers/image-policy/setup.ts';
import { setupImageRepositoryController } from './controllers/image-repository/setup.ts';
import { setupImageUpdateAutomationController } from './controllers/image-update-automation/setup.ts';
import { ImageTagStore } from './sources/image/tag-store.ts';
import { setupHelmReleaseController } from './controllers/helm-release/setup.ts';
import { setupNotifications } from './controllers/notification/setup.ts';
import { setupReceiverController } from './controllers/receiver/setup.ts';
import { KubeClient } from './kube/client.ts';
import { assertCrdsInstalled } from './controllers/crd-check.ts';
import { loadKubeConfig } from './kube/config.ts';
import { EventRecorder } from './runtime/events.ts';
import { parseAddress } from './runtime/http-server.ts';
import { createLogger, type Logger } from './runtime/logger.ts';
import { Manager } from './runtime/manager.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { SliMetrics } from './controllers/sli-metrics.ts';
import { DriftLog } from './apply/drift-log.ts';
import { CommitStatusLog } from './notify/providers/commit-status-log.ts';
import { ComponentKinds } from './controllers/flux-report/components.ts';
import { ProcessAnnotations } from './api/flux-instance-processes.ts';
import { checkDashboardAddr, setupDashboard, type DashboardAuthMode } from './web/setup.ts';

/** The Flux controllers this version can serve (`--controllers`): the groups listed in ComponentKinds. */
export const availableComponents = (): string[] => Object.keys(ComponentKinds);

/**
 * The start-up warning for a manager running as root (uid 0), or undefined for any other user (and where
 * there are no uids). The image runs as the non-root user `driftless`; root comes from a user override.
 */
export function rootWarning(uid: number | undefined): string | undefined {
  if (uid !== 0) return undefined;
  return (
    `running as root (uid 0): Driftless works, but Git checkouts, kustomize, helm and SOPS run with root's ` +
    `rights. In a cluster the image's user is driftless (${ImageUserId}) and the install manifests set ` +
    `runAsNonRoot, so root means a user override: remove the runAsUser: 0 / runAsNonRoot: false override`
  );
}

/** The uid of the image's `driftless` user (src/install/image.ts ImageUser; main.ts may not import install/). */
const ImageUserId = 65532;

/** A running engine: its manager and the addresses it serves. */
export interface RunningEngine {
  manager: Manager;
  storageUrl: string;
  /** Set once the webhook receiver server listens. */
  receiverUrl?: string;
  /** Set once the HTTP event intake listens (when enabled). */
  eventsUrl?: string;
  /** Set once the dashboard listens (when enabled). */
  webUrl?: string;
  stop(): Promise<void>;
}

/**
 * Wires every reconciler into one manager and starts it. Resolves once the manager leads (or is
 * waiting for leadership in the background when another instance leads).
 */
export async function startEngine(
  config: ManagerConfig,
  opts: {
    logger?: Logger;
    onLeaderLost?: () => void;
    onStartFailed?: (err: unknown) => void;
    /** The process's uid (default `process.getuid()`), for the root warning. */
    uid?: number;
  } = {},
): Promise<RunningEngine> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const asRoot = rootWarning(opts.uid ?? process.getuid?.());
  if (asRoot) logger.warn({ uid: 0 }, asRoot);
  // The reconciler groups this process serves (`--controllers`; all by default). A group is a Flux
  // controller's name; its reconcilers are set up in its `if (serves(…))` block below, its kinds listed in
  // ComponentKinds (src/controllers/flux-report/components.ts), which FluxReport and FluxInstance read.
  const available = availableComponents();
  const served = config.controllers ?? parseControllers(undefined, available);
  const serves = (component: string): boolean => served.includes(component);
  const RunningComponents = served.filter((c) => c !== OperatorComponent);
  checkDashboardAddr(config.webAddr, config.webAuth);
  const metrics = new RuntimeMetrics();
  // The SLI series (driftless_reconcile_total, …) exist from the start, at zero, for dashboards and rate().
  // Every kind this process reconciles records them; the notification kinds are not reconciled objects.
  const sliKinds = RunningComponents.filter((c) => c !== ControllerNames.notification).flatMap((c) =>
    (ComponentKinds[c] ?? []).map((k) => k.kind),
  );
  new SliMetrics({ registry: metrics.registry, kinds: sliKinds });
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const client = new KubeClient({
    kubeConfig,
    observer: metrics.requestObserver(new URL(server).host),
    qps: config.kubeApiQps,
    burst: config.kubeApiBurst,
  });
  await assertCrdsInstalled(client);

  const manager = new Manager({
    client,
    logger,
    metrics,
    metricsAddr: config.metricsAddr,
    healthAddr: config.healthAddr,
    ...(config.enableLeaderElection
      ? {
          leaderElection: {
            namespace: config.leaderElectionNamespace,
            // One Lease per group set and shard, so separate processes elect separately (as Flux's controllers).
            name: leaseNameFor(config.leaderElectionId, served, available, config.watchLabelSelector),
            // What this process serves, for the FluxInstance check of every running process.
            annotations: {
              [ProcessAnnotations.components]: RunningComponents.join(','),
              [ProcessAnnotations.watchLabelSelector]: config.watchLabelSelector ?? '',
            },
            identity: config.identity,
            leaseDurationMs: config.leaseDurationMs,
            renewDeadlineMs: config.renewDeadlineMs,
            retryPeriodMs: config.retryPeriodMs,
          },
        }
      : {}),
    ...(opts.onLeaderLost ? { onLeaderLost: opts.onLeaderLost } : {}),
    // Flux's cache scope: the runtime namespace only (`--watch-all-namespaces=false`), the shard's objects only.
    watch: {
      namespace: config.watchAllNamespaces ? undefined : config.runtimeNamespace,
      labelSelector: config.watchLabelSelector,
    },
  });
  const recorder = new EventRecorder({
    client,
    reportingController: 'driftless',
    reportingInstance: config.identity,
    logger,
    annotationPrefix: EventAnnotationPrefix,
  });

  // The artifact server binds first so artifact URLs carry the real port (`:0` picks a free one).
  const { host, port } = parseAddress(config.storageAddr);
  // The server only resolves paths under the root, so it can serve before the advertised URL is known.
  const servingStorage = new ArtifactStorage({ root: config.storagePath, advertiseBaseUrl: 'http://127.0.0.1' });
  const artifactServer = await startArtifactServer({ storage: servingStorage, host, port });
  const advertise = config.storageAdvAddr
    ? `http://${config.storageAdvAddr}`
    : `http://127.0.0.1:${artifactServer.port}`;
  // Consumers' unpacked artifacts, one tree per digest, in the temp dir (an emptyDir in-cluster), removed on stop.
  const artifacts = new ArtifactTreeCache({
    dir: path.join(
      tmpdir(),
      `driftless-unpacked-${config.identity.replace(/[^A-Za-z0-9_.-]/g, '_')}-${randomBytes(4).toString('hex')}`,
    ),
  });
  const storage = new ArtifactStorage({ root: config.storagePath, advertiseBaseUrl: advertise });

  const common = {
    client,
    logger,
    metrics,
    // Flux's cache scope for the referenced configs: the runtime namespace only with --watch-all-namespaces=false.
    configWatch: {
      labelSelector: config.watchConfigsLabelSelector,
      ...(config.watchAllNamespaces ? {} : { namespace: config.runtimeNamespace }),
    },
  };
  const engine: RunningEngine = { manager, storageUrl: advertise, stop: async () => undefined };
  const notificationRecorder = recorder.forController('notification-controller');
  // Commit statuses the forges accepted, shown on the dashboard's timelines (in memory).
  const commitStatusLog = new CommitStatusLog();
  if (serves(ControllerNames.notification)) {
    setupNotifications(manager, {
      ...common,
      statusLog: commitStatusLog,
      recorder: notificationRecorder,
      baseRecorder: recorder,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
      // A URL is where Flux's other controllers send events; here they are dispatched in-process.
      ...(config.eventsAddr && !isEventsUrl(config.eventsAddr) ? { eventsAddr: config.eventsAddr } : {}),
      onListening: (url) => (engine.eventsUrl = url),
    });
    setupReceiverController(manager, {
      ...common,
      recorder: notificationRecorder,
      receiverAddr: config.receiverAddr,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
      onListening: (url) => (engine.receiverUrl = url),
    });
  } else if (isEventsUrl(config.eventsAddr)) {
    // The notification side runs in another process: events go to it over HTTP, as Flux's controllers send them.
    forwardEvents({ recorder, url: config.eventsAddr, logger });
  }
  if (serves(ControllerNames.source)) {
    setupGitRepositoryController(manager, {
      ...common,
      recorder: recorder.forController('source-controller'),
      storage,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
    });
    setupHelmRepositoryController(manager, {
      ...common,
      recorder: recorder.forController('source-controller'),
      storage,
      concurrency: config.concurrent,
    });
    setupHelmChartController(manager, {
      ...common,
      recorder: recorder.forController('source-controller'),
      storage,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
    });
    setupOCIRepositoryController(manager, {
      ...common,
      recorder: recorder.forController('source-controller'),
      storage,
      concurrency: config.concurrent,
    });
    setupBucketController(manager, {
      ...common,
      recorder: recorder.forController('source-controller'),
      storage,
      concurrency: config.concurrent,
    });
  }
  if (serves(ControllerNames.sourceWatcher)) {
    setupArtifactGeneratorController(manager, {
      ...common,
      recorder: recorder.forController(ControllerNames.sourceWatcher),
      storage,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    });
  }
  // Corrected drift, recorded by the Kustomization controller and shown by the dashboard (in memory).
  const driftLog = new DriftLog();
  if (serves(ControllerNames.kustomize)) {
    setupKustomizationController(manager, {
      ...common,
      recorder: recorder.forController('kustomize-controller'),
      kustomizeBin: config.kustomizeBin,
      artifacts,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
      noRemoteBases: config.noRemoteBases,
      watchDrift: config.driftWatch,
      driftLog,
      ...(config.defaultServiceAccount ? { defaultServiceAccount: config.defaultServiceAccount } : {}),
      objectLevelWorkloadIdentity: config.objectLevelWorkloadIdentity ?? false,
      ...(config.defaultKubeConfigServiceAccount
        ? { defaultKubeConfigServiceAccount: config.defaultKubeConfigServiceAccount }
        : {}),
    });
  }
  if (serves(ControllerNames.helm)) {
    setupHelmReleaseController(manager, {
      ...common,
      recorder: recorder.forController(ControllerNames.helm),
      helmBin: config.helmBin,
      ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
      artifacts,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
      ...(config.defaultServiceAccount ? { defaultServiceAccount: config.defaultServiceAccount } : {}),
      objectLevelWorkloadIdentity: config.objectLevelWorkloadIdentity ?? false,
      ...(config.defaultKubeConfigServiceAccount
        ? { defaultKubeConfigServiceAccount: config.defaultKubeConfigServiceAccount }
        : {}),
    });
  }
  if (serves(ControllerNames.imageReflector)) {
    // Scanned tags live in this process's memory, shared by the two reconcilers, never in etcd.
    const tags = new ImageTagStore();
    const imageRecorder = recorder.forController(ControllerNames.imageReflector);
    setupImageRepositoryController(manager, {
      ...common,
      recorder: imageRecorder,
      tags,
      concurrency: config.concurrent,
    });
    setupImagePolicyController(manager, {
      ...common,
      recorder: imageRecorder,
      tags,
      concurrency: config.concurrent,
      requeueDependencyMs: config.requeueDependencyMs,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    });
  }
  if (serves(ControllerNames.imageAutomation)) {
    setupImageUpdateAutomationController(manager, {
      ...common,
      recorder: recorder.forController(ControllerNames.imageAutomation),
      concurrency: config.concurrent,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    });
  }
  // client-node names the cluster `inCluster` when it loaded the Pod's service account.
  const inCluster = kubeConfig.getCurrentCluster()?.name === 'inCluster';
  if (serves(OperatorComponent)) {
    await setupFluxReportController(manager, {
      ...common,
      recorder: recorder.forController('flux-operator'),
      namespace: config.runtimeNamespace,
      intervalMs: config.reportingIntervalMs,
      components: RunningComponents,
      identity: config.identity,
      inCluster,
    });
    await setupFluxInstanceController(manager, {
      ...common,
      recorder: recorder.forController('flux-operator'),
      namespace: config.runtimeNamespace,
      components: RunningComponents,
      available,
      watchLabelSelector: config.watchLabelSelector,
      leaseNamespace: config.enableLeaderElection ? config.leaderElectionNamespace : undefined,
      noCrossNamespaceRefs: config.noCrossNamespaceRefs,
      defaultServiceAccount: config.defaultServiceAccount,
      kustomizeBin: config.kustomizeBin,
      requestReportUpdate: (namespace) => requestReportUpdate(client, namespace),
    });
  }
  await setupDashboard(manager, {
    driftLog,
    commitStatusLog,
    addr: config.webAddr,
    allowRemoteReadOnly: config.webAllowRemoteReadOnly,
    // In a Pod, loopback is reached by `kubectl port-forward`: whoever may port-forward must not act
    // with the engine's identity, so actions need the caller's token there.
    auth: inCluster && config.webAuth === 'auto' ? 'token' : (config.webAuth as DashboardAuthMode),
    kinds: RunningComponents.flatMap((c) => ComponentKinds[c] ?? []),
    recorder,
    reportNamespace: config.runtimeNamespace,
    onListening: (url) => (engine.webUrl = url),
  });
  const shutdown = async (): Promise<void> => {
    await manager.stop();
    await artifactServer.close();
    await artifacts.clear();
  };
  // With leader election, start resolves only once this replica leads, so it runs in the background.
  const started = manager.start().catch(async (err: unknown) => {
    logger.error({ err: String(err) }, 'manager failed to start');
    await shutdown().catch(() => undefined);
    throw err;
  });
  if (!config.enableLeaderElection) await started;
  else started.catch((err: unknown) => opts.onStartFailed?.(err));
  logger.info(
    {
      metrics: manager.metricsUrl,
      health: manager.healthUrl,
      storage: advertise,
      receiver: engine.receiverUrl,
      events: engine.eventsUrl,
      dashboard: engine.webUrl,
    },
    'driftless started',
  );
  engine.stop = shutdown;
  return engine;
}
