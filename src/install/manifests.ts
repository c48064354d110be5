import { stringify } from 'yaml';
import { allCrds } from '../api/crd.ts';
import { ControllerNames } from '../api/constants.ts';
import type { FluxInstance } from '../api/flux-instance.ts';
import { instanceProcesses } from '../api/flux-instance-processes.ts';
import type { KubeObject } from '../kube/types.ts';
import { ImageUser } from './image.ts';
import { rbacObjects } from './rbac.ts';
import { packageVersion } from '../util/package-root.ts';

export interface InstallOptions {
  namespace?: string;
  /** Container image for the in-cluster Deployment (default `driftless:<version>`, see src/install/image.ts). */
  image?: string;
  /** Driftless's version, in the `app.kubernetes.io/version` labels (default: package.json's). */
  version?: string;
  /**
   * Bind cluster-admin for what Kustomizations and HelmReleases without a service account apply (default true,
   * as Flux's cluster-reconciler); false leaves the manager its own role only.
   */
  clusterReconciler?: boolean;
  /** A FluxInstance (`driftless install --instance`): its components and sharding shape the Deployments. */
  instance?: FluxInstance;
}

export { packageVersion };

/** The labels that select the manager's Pods: never the version, so an upgrade keeps the Deployment's selector. */
export const SelectorLabels = {
  'app.kubernetes.io/name': 'driftless',
  'app.kubernetes.io/part-of': 'flux',
  'app.kubernetes.io/component': 'manager',
};

/** The manager container's securityContext: PodSecurity `restricted`. */
const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The dashboard's port (`--web-addr=:9080`, Service `driftless-web`), the Flux Operator's web UI port. */
export const WebPort = 9080;

/** A manager Deployment: `name`, Pods labelled `selector`, running `driftless run <args>`. */
function managerDeployment(d: {
  name: string;
  namespace: string;
  image: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  args: string[];
  ports: { name: string; containerPort: number; protocol: string }[];
}): KubeObject {
  const labels = { ...d.labels, ...d.selector };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: d.selector },
      template: {
        metadata: {
          labels,
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
        },
        spec: {
          serviceAccountName: 'driftless',
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: ImageUser,
            runAsGroup: ImageUser,
            fsGroup: ImageUser,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'manager',
              image: d.image,
              imagePullPolicy: 'IfNotPresent',
              // The image's entrypoint is `driftless run`: these are its flags, Flux's in-cluster defaults.
              args: d.args,
              // As Flux's Deployments: the runtime namespace (--watch-all-namespaces=false) is the Pod's.
              env: [{ name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: d.ports,
              readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
              securityContext: containerSecurity,
            },
          ],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

const port = (name: string, containerPort: number) => ({ name, containerPort, protocol: 'TCP' });

/**
 * Everything `driftless install` applies (pure): the CRDs, the namespace, RBAC (src/install/rbac.ts), and the
 * Deployment + Services for in-cluster use. With `instance` (a FluxInstance read by `--instance`), its
 * `spec.components` become the Deployment's `--controllers` and each `spec.sharding` shard gets a Deployment
 * `driftless-<shard>` of its own (src/api/flux-instance-processes.ts), and the instance itself is applied last.
 * The Helm chart and the kustomize base (deploy/) are generated from these objects (src/install/deploy-files.ts).
 */
export function installManifests(opts: InstallOptions = {}): KubeObject[] {
  const namespace = opts.namespace ?? 'flux-system';
  const version = opts.version ?? packageVersion();
  const image = opts.image ?? `driftless:${version}`;
  const labels = { ...SelectorLabels, 'app.kubernetes.io/version': version };
  const service = (name: string, targetPort: string, selector = SelectorLabels, servicePort = 80): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { ...labels, ...selector } },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: servicePort, protocol: 'TCP', targetPort }],
    },
  });
  const [main = {}, ...shards] = instanceProcesses(opts.instance?.spec ?? {});
  const mainComponents = main.components;
  // The notification side runs in the main Deployment: shards send it their events over HTTP, as Flux's do.
  const mainNotifies = !mainComponents || mainComponents.includes(ControllerNames.notification);
  const shardObjects = shards.flatMap((s): KubeObject[] => {
    const shard = s.shard ?? '';
    const selector = { ...SelectorLabels, 'app.kubernetes.io/component': `manager-${shard}` };
    const serveSource = s.components?.includes(ControllerNames.source) ?? false;
    const deployment = managerDeployment({
      name: `driftless-${shard}`,
      namespace,
      image,
      labels,
      selector,
      args: [
        '--enable-leader-election',
        `--controllers=${(s.components ?? []).join(',')}`,
        `--watch-label-selector=${s.selector ?? ''}`,
        ...(serveSource
          ? [
              `--storage-adv-addr=source-controller-${shard}.$(RUNTIME_NAMESPACE).svc.cluster.local.`,
              '--storage-path=/data',
            ]
          : []),
        '--metrics-addr=:8080',
        '--health-addr=:9440',
        '--storage-addr=:9090',
        ...(mainNotifies
          ? ['--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./']
          : []),
        '--web-addr=0',
      ],
      ports: [port('http', 9090), port('http-prom', 8080), port('healthz', 9440)],
    });
    return serveSource ? [service(`source-controller-${shard}`, 'http', selector), deployment] : [deployment];
  });
  return [
    ...(allCrds() as KubeObject[]),
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { 'app.kubernetes.io/part-of': 'flux', 'pod-security.kubernetes.io/warn': 'restricted' },
      },
    },
    ...rbacObjects(namespace, labels, opts.clusterReconciler ?? true),
    // Service names as Flux's, so artifact URLs, `--events-addr` of other controllers and webhooks keep working.
    service('source-controller', 'http'),
    service('notification-controller', 'http-events'),
    service('webhook-receiver', 'http-webhook'),
    // The dashboard; reach it with `kubectl port-forward` or an Ingress (deploy/examples/web-ingress/).
    service('driftless-web', 'http-web', SelectorLabels, WebPort),
    managerDeployment({
      name: 'driftless',
      namespace,
      image,
      labels,
      selector: SelectorLabels,
      args: [
        '--enable-leader-election',
        ...(mainComponents ? [`--controllers=${[...mainComponents, 'operator'].join(',')}`] : []),
        ...(main.selector ? [`--watch-label-selector=${main.selector}`] : []),
        '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.',
        '--storage-path=/data',
        '--metrics-addr=:8080',
        '--health-addr=:9440',
        '--storage-addr=:9090',
        '--receiver-addr=:9292',
        '--events-addr=:9690',
        `--web-addr=:${WebPort}`,
      ],
      ports: [
        port('http', 9090),
        port('http-webhook', 9292),
        port('http-events', 9690),
        port('http-prom', 8080),
        port('healthz', 9440),
        port('http-web', WebPort),
      ],
    }),
    ...shardObjects,
    ...(opts.instance ? [{ ...opts.instance, metadata: { ...opts.instance.metadata, namespace } }] : []),
  ];
}

/** Objects as the multi-document YAML `driftless install --export` prints (pure). */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
}

/**
 * The multi-document YAML `driftless install --export` prints (pure): every install object, or with
 * `crdsOnly` just the CustomResourceDefinitions (no namespace, RBAC or Deployment), so the output can
 * be applied by a cluster admin who manages everything else separately.
 */
export function exportManifests(opts: InstallOptions & { crdsOnly?: boolean } = {}): string {
  return toYaml(opts.crdsOnly ? allCrds() : installManifests(opts));
}
