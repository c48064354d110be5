import { stringify } from 'yaml';
import { allCrds } from '../api/crd.ts';
import type { KubeObject } from '../kube/types.ts';

export interface InstallOptions {
  namespace?: string;
  /** Container image for the in-cluster Deployment. */
  image?: string;
}

/**
 * Everything `driftless install` applies (pure): the CRDs, the namespace, RBAC (the manager
 * reconciles arbitrary kinds, so like Flux it is bound to cluster-admin and narrows itself by
 * impersonating `spec.serviceAccountName`), and the Deployment + Service for in-cluster use.
 */
export function installManifests(opts: InstallOptions = {}): KubeObject[] {
  const namespace = opts.namespace ?? 'flux-system';
  const image = opts.image ?? 'driftless:0.1.0';
  const labels = {
    'app.kubernetes.io/name': 'driftless',
    'app.kubernetes.io/part-of': 'flux',
    'app.kubernetes.io/component': 'manager',
  };
  const service = (name: string, targetPort: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort }] },
  });
  return [
    ...(allCrds() as KubeObject[]),
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'flux' } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'driftless', namespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'driftless-cluster-reconciler', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'driftless', namespace }],
    },
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
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'driftless',
            containers: [
              {
                name: 'manager',
                image,
                args: [
                  'run',
                  '--enable-leader-election',
                  `--storage-adv-addr=source-controller.${namespace}.svc.cluster.local.`,
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
                  { name: 'http', containerPort: 9090 },
                  { name: 'http-webhook', containerPort: 9292 },
                  { name: 'http-events', containerPort: 9690 },
                  { name: 'http-prom', containerPort: 8080 },
                  { name: 'healthz', containerPort: 9440 },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
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

/**
 * The multi-document YAML `driftless install --export` prints (pure): every install object, or with
 * `crdsOnly` just the CustomResourceDefinitions (no namespace, RBAC or Deployment), so the output can
 * be applied by a cluster admin who manages everything else separately.
 */
export function exportManifests(opts: InstallOptions & { crdsOnly?: boolean } = {}): string {
  const docs = opts.crdsOnly ? allCrds() : installManifests(opts);
  return docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join('');
}
