// The RBAC `driftless install`, the Helm chart and the kustomize base carry (pure). Modelled on Flux's:
// `driftless-manager` is what the engine needs for its own work (Flux's crd-controller role plus what the
// Flux Operator's FluxReport reads), and `driftless-cluster-reconciler` binds cluster-admin for what it
// applies on behalf of Kustomizations and HelmReleases without a service account (Flux's
// cluster-reconciler). Without that binding, objects are applied only as the service accounts they name.
import { allCrds } from '../api/crd.ts';
import type { KubeObject } from '../kube/types.ts';

const Rbac = 'rbac.authorization.k8s.io/v1';

/** The API groups of every kind Driftless serves (its CRDs). */
const servedGroups = (): string[] => [...new Set(allCrds().map((c) => String(c.spec['group'])))].sort();

/** Everything the engine itself reads and writes, cluster-wide. */
export const managerRules = () => [
  { apiGroups: servedGroups(), resources: ['*'], verbs: ['*'] },
  // Source credentials, substitutions, values, decryption keys, tenants' service accounts.
  {
    apiGroups: [''],
    resources: ['namespaces', 'secrets', 'configmaps', 'serviceaccounts'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  // spec.serviceAccountName: the user only (the API server adds the service account's groups).
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  // The FluxReport: the cluster's Nodes and the Flux CRDs.
  { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
  // The dashboard off loopback: who a bearer token is (TokenReview) and whether they may act (SubjectAccessReview),
  // what the built-in system:auth-delegator role grants. Acting as the caller (impersonating users and groups)
  // comes only with the cluster-reconciler binding: that right is as strong as cluster-admin.
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/** In the install namespace: leader election Leases, and the manager's own Deployment (FluxReport components). */
export const ManagerNamespaceRules = [
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
];

/** The ServiceAccount, roles and bindings, in `namespace`; the cluster-admin binding when `clusterReconciler`. */
export function rbacObjects(
  namespace: string,
  labels: Record<string, string>,
  clusterReconciler: boolean,
): KubeObject[] {
  const subjects = [{ kind: 'ServiceAccount', name: 'driftless', namespace }];
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'driftless', namespace, labels } },
    { apiVersion: Rbac, kind: 'ClusterRole', metadata: { name: 'driftless-manager', labels }, rules: managerRules() },
    {
      apiVersion: Rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'driftless-manager', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'driftless-manager' },
      subjects,
    },
    {
      apiVersion: Rbac,
      kind: 'Role',
      metadata: { name: 'driftless-manager', namespace, labels },
      rules: ManagerNamespaceRules,
    },
    {
      apiVersion: Rbac,
      kind: 'RoleBinding',
      metadata: { name: 'driftless-manager', namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'driftless-manager' },
      subjects,
    },
  ];
  if (clusterReconciler)
    objects.push({
      apiVersion: Rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'driftless-cluster-reconciler', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects,
    });
  return objects;
}
