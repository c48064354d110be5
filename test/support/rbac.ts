// RBAC set-up shared by the tenancy suites: a ServiceAccount that may change ConfigMaps in its own
// namespace and nothing else, so an apply of anything more shows the cluster's RBAC decided.
import type { TestEnv } from './env.ts';

export async function configMapsOnlyServiceAccount(
  env: Pick<TestEnv, 'apply'>,
  namespace: string,
  serviceAccount: string,
  binding: string,
): Promise<void> {
  await env.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'configmaps-only', namespace },
    rules: [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ],
  });
  await env.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: binding, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps-only' },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  });
}
