// plainBuild against the real kustomize: where it answers, its objects and their order are kustomize's; where
// kustomize would do more (or might read the YAML differently), it declines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpath } from 'node:fs/promises';
import { runKustomizeBuild } from './kustomize-exec.ts';
import { parseManifests } from './manifests.ts';
import { plainBuild } from './plain-build.ts';
import { makeTree, provisionedKustomize, type Tree } from './test-fixtures.ts';

const kustomizeBin = provisionedKustomize();
const skip = kustomizeBin ? false : 'kustomize is not provisioned (run scripts/provision.sh kustomize)';

const kustomization = (...files: string[]): string =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f}\n`).join('')}`;

/** plainBuild's answer and kustomize's parsed output for the same tree. */
async function both(tree: Tree): Promise<{ plain: unknown; kustomize: unknown }> {
  const fx = await makeTree(tree);
  try {
    const root = await realpath(fx.root);
    const plain = await plainBuild({ root, dir: root });
    const out = await runKustomizeBuild({ bin: kustomizeBin as string, dir: root, roots: [root] });
    return { plain, kustomize: parseManifests(out) };
  } finally {
    await fx.cleanup();
  }
}

// Kinds from both ends of kustomize's legacy order, several groups and versions, namespaced and cluster-scoped,
// spread over files in an order unlike the output's.
const mixed: Tree = {
  'kustomization.yaml': kustomization('apps.yaml', 'sub/rbac.yml', 'cluster.yaml', 'custom.yaml'),
  'apps.yaml': `# leading comment
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: b, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: main
          image: nginx:1.25
          args: ["--port", "8080"]
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: b}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: zeta, namespace: a, annotations: {note: "on"}}
data:
  yes-string: "yes"
  octal-string: "0644"
  quoted: 'single ''quoted'''
  multi: |
    line one
      indented two
  folded: >
    folded
    text
  unicode: "héllo ✓"
  number-string: "1.0"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: alpha, namespace: b}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: alpha, namespace: a}
data: {k: v}
`,
  'sub/rbac.yml': `apiVersion: v1
kind: Secret
metadata: {name: token, namespace: a}
type: Opaque
stringData: {token: abc}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: a}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: hook}
webhooks: []
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: hook}
webhooks: []
`,
  'cluster.yaml': `apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
`,
  'custom.yaml': `apiVersion: example.com/v1
kind: Widget
metadata: {name: w2, namespace: a}
spec: {size: 2, ratio: 1.5, big: 12345678901234, enabled: true, octal: 0644, float: 1.0, exp: 1e3}
---
apiVersion: example.com/v1beta1
kind: Widget
metadata: {name: w1, namespace: a}
spec: {size: 1}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: a}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: a}
spec: {minAvailable: 1}
`,
};

test('plain manifests: the objects and the order kustomize prints', { skip }, async () => {
  const { plain, kustomize } = await both(mixed);
  assert.ok(plain, 'a kustomization that only lists files is built without kustomize');
  assert.deepEqual(plain, kustomize);
});

test('the generated kind of kustomization (no apiVersion/kind, .yml names) is plain too', { skip }, async () => {
  const { plain, kustomize } = await both({
    'kustomization.yaml': 'resources:\n- b.yml\n- a.yaml\n',
    'a.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: x}\nstringData: {k: v}\n',
    'b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\ndata: {k: v}\n',
  });
  assert.ok(plain);
  assert.deepEqual(plain, kustomize);
});

test('a namespace (Flux targetNamespace) over kinds where it only sets metadata.namespace', { skip }, async () => {
  const { plain, kustomize } = await both({
    'kustomization.yaml': kustomization('all.yaml') + 'namespace: target\n',
    'all.yaml': [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: elsewhere}\ndata: {k: v}',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}',
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pvc}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, labels: {app: d}}\nspec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: busybox}]}}}',
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: st}\nspec: {serviceName: svc, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: busybox}]}}}',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec: {schedule: "@hourly", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules: []',
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec: {defaultBackend: {service: {name: svc, port: {number: 80}}}}',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelector: {}}',
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb}\nspec: {minAvailable: 1}',
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa}\nspec: {maxReplicas: 2, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}}',
    ].join('\n---\n'),
  });
  assert.ok(plain, 'targetNamespace over these kinds is built without kustomize');
  assert.deepEqual(plain, kustomize);
});

// Each of these makes kustomize do something plainBuild does not reproduce (or might read differently).
const declined: Record<string, Tree> = {
  'a transformer field': {
    'kustomization.yaml': kustomization('cm.yaml') + 'namePrefix: p-\n',
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  },
  'a namespace over a RoleBinding (kustomize also edits its subjects)': {
    'kustomization.yaml': kustomization('rb.yaml') + 'namespace: target\n',
    'rb.yaml':
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\n' +
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: default, namespace: x}]\n',
  },
  'a namespace over a cluster-scoped kind': {
    'kustomization.yaml': kustomization('cr.yaml') + 'namespace: target\n',
    'cr.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c}\nrules: []\n',
  },
  'a namespace over a custom kind': {
    'kustomization.yaml': kustomization('w.yaml') + 'namespace: target\n',
    'w.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
  },
  'a namespace making two objects one': {
    'kustomization.yaml': kustomization('cm.yaml') + 'namespace: target\n',
    'cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n---\n' +
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: b}\n',
  },
  'a directory resource': {
    'kustomization.yaml': kustomization('base'),
    'base/kustomization.yaml': kustomization('cm.yaml'),
    'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  },
  'a path with ..': {
    'app/kustomization.yaml': kustomization('../cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  },
  'an anchor and alias': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {a: b}}\ndata: *l\n',
  },
  'a tag': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: !!str 1}\n',
  },
  'a List': {
    'kustomization.yaml': kustomization('list.yaml'),
    'list.yaml':
      'apiVersion: v1\nkind: List\nmetadata: {name: l}\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n',
  },
  'a null value': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, creationTimestamp: null}\ndata: {k: v}\n',
  },
  'empty labels': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {}}\n',
  },
  'a local-config annotation': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {config.kubernetes.io/local-config: "true"}}\n',
  },
  'two objects of one kind and name': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  },
  'one ClusterRole name under two namespaces': {
    'kustomization.yaml': kustomization('cr.yaml'),
    'cr.yaml':
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c, namespace: a}\n---\n' +
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c, namespace: b}\n',
  },
  'a document without a name': {
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n',
  },
  'a file listed twice': {
    'kustomization.yaml': kustomization('cm.yaml', 'cm.yaml'),
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  },
  'a remote resource': {
    'kustomization.yaml': kustomization('https://example.com/cm.yaml'),
  },
};

for (const [what, tree] of Object.entries(declined)) {
  test(`declined, kustomize builds it: ${what}`, async () => {
    const fx = await makeTree(tree);
    try {
      const root = await realpath(fx.root);
      const dir = what === 'a path with ..' ? `${root}/app` : root;
      assert.equal(await plainBuild({ root, dir }), undefined);
    } finally {
      await fx.cleanup();
    }
  });
}

test('a resource symlinked out of the root is declined (the build guard then refuses it)', async () => {
  const outside = await makeTree({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' });
  const fx = await makeTree({
    'kustomization.yaml': kustomization('cm.yaml'),
    'cm.yaml': { symlink: `${outside.root}/cm.yaml` },
  });
  try {
    const root = await realpath(fx.root);
    assert.equal(await plainBuild({ root, dir: root }), undefined);
  } finally {
    await fx.cleanup();
    await outside.cleanup();
  }
});
