import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { allCrds } from '../api/crd.ts';
import type { KubeObject } from '../kube/types.ts';
import { ImageUser } from './image.ts';
import { rbacObjects } from './rbac.ts';

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
}

/** package.json's version. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
}

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

/**
 * Everything `driftless install` applies (pure): the CRDs, the namespace, RBAC (src/install/rbac.ts), and the
 * Deployment + Services for in-cluster use. The Helm chart and the kustomize base (deploy/) are generated from
 * these objects (src/install/deploy-files.ts).
 */
export function installManifests(opts: InstallOptions = {}): KubeObject[] {
  const namespace = opts.namespace ?? 'flux-system';
  const version = opts.version ?? packageVersion();
  const image = opts.image ?? `driftless:${version}`;
  const labels = { ...SelectorLabels, 'app.kubernetes.io/version': version };
  const service = (name: string, targetPort: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector: SelectorLabels,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort }],
    },
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
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'driftless', namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: SelectorLabels },
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
                image,
                imagePullPolicy: 'IfNotPresent',
                // The image's entrypoint is `driftless run`: these are its flags, Flux's in-cluster defaults.
                args: [
                  '--enable-leader-election',
                  '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.',
                  '--storage-path=/data',
                  '--metrics-addr=:8080',
                  '--health-addr=:9440',
                  '--storage-addr=:9090',
                  '--receiver-addr=:9292',
                  '--events-addr=:9690',
                ],
                // As Flux's Deployments: the runtime namespace (--watch-all-namespaces=false) is the Pod's.
                env: [{ name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
                ports: [
                  { name: 'http', containerPort: 9090, protocol: 'TCP' },
                  { name: 'http-webhook', containerPort: 9292, protocol: 'TCP' },
                  { name: 'http-events', containerPort: 9690, protocol: 'TCP' },
                  { name: 'http-prom', containerPort: 8080, protocol: 'TCP' },
                  { name: 'healthz', containerPort: 9440, protocol: 'TCP' },
                ],
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
    },
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
