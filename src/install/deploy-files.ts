// The Helm chart (deploy/chart/) and the kustomize base (deploy/kustomize/), generated from the objects
// `driftless install` applies (pure), so the three never disagree: `deployFiles()` is written to deploy/ by
// `node --import tsx -e "import('./src/install/deploy-files.ts').then(m => m.writeDeployFiles())"`, a unit
// test checks the files are current, and an integration test renders them with the real helm and kustomize.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../kube/types.ts';
import { installManifests, packageVersion, toYaml, WebPort } from './manifests.ts';

const NS = '__DRIFTLESS_NAMESPACE__';
const IMAGE = '__DRIFTLESS_IMAGE__';
const VERSION = '__DRIFTLESS_VERSION__';
const header = '# Generated from src/install/manifests.ts by src/install/deploy-files.ts: do not edit.\n';

const fileOf = (o: KubeObject): string => {
  if (o.kind === 'Namespace') return 'namespace.yaml';
  if (o.kind === 'Deployment') return 'deployment.yaml';
  if (o.kind === 'Service') return 'services.yaml';
  return 'rbac.yaml';
};

/** Objects grouped by file (CRDs left out: they live in deploy/crds/). */
function grouped(objects: KubeObject[]): Map<string, KubeObject[]> {
  const files = new Map<string, KubeObject[]>();
  for (const o of objects) {
    if (o.kind === 'CustomResourceDefinition') continue;
    const f = fileOf(o);
    files.set(f, [...(files.get(f) ?? []), o]);
  }
  return files;
}

/** The example Ingress in front of the dashboard's Service (kustomize example). */
function webIngress(namespace: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'driftless-web', namespace },
    spec: {
      tls: [{ hosts: ['driftless.example.com'], secretName: 'driftless-web-tls' }],
      rules: [
        {
          host: 'driftless.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'driftless-web', port: { number: WebPort } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The chart's Ingress, off unless `web.ingress.enabled`. */
const webIngressTemplate = `{{- with .Values.web.ingress }}
{{- if .enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: driftless-web
  namespace: {{ $.Release.Namespace }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with .className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- if .tlsSecretName }}
  tls:
    - hosts:
        - {{ .host | quote }}
      secretName: {{ .tlsSecretName }}
  {{- end }}
  rules:
    - host: {{ .host | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: driftless-web
                port:
                  number: ${WebPort}
{{- end }}
{{- end }}
`;

/** Path (relative to deploy/) → content of every generated file. */
export function deployFiles(version = packageVersion()): Record<string, string> {
  const out: Record<string, string> = {};
  // The kustomize base: the install objects of namespace flux-system (an overlay's `namespace:` moves them).
  const base = grouped(installManifests({ version }));
  for (const [f, objs] of base) out[`kustomize/${f}`] = header + toYaml(objs);
  out['kustomize/kustomization.yaml'] =
    `${header}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n` +
    ['../crds', ...[...base.keys()].sort()].map((r) => `  - ${r}\n`).join('');
  out['crds/kustomization.yaml'] =
    `${header}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - crds.yaml\n`;

  // The chart: the same objects with the namespace, image and version as template expressions, the
  // Namespace left to `helm install --create-namespace`, and the cluster-admin binding behind a value.
  const templated = installManifests({ namespace: NS, image: IMAGE, version: VERSION });
  const expr = (yaml: string) =>
    yaml
      .replaceAll(NS, '{{ .Release.Namespace }}')
      .replaceAll(IMAGE, '{{ include "driftless.image" . }}')
      .replaceAll(VERSION, '{{ .Chart.AppVersion | quote }}');
  for (const [f, objs] of grouped(templated)) {
    if (f === 'namespace.yaml') continue;
    const plain = objs.filter((o) => o.metadata.name !== 'driftless-cluster-reconciler');
    out[`chart/templates/${f}`] = expr(toYaml(plain));
    const reconciler = objs.find((o) => o.metadata.name === 'driftless-cluster-reconciler');
    if (reconciler)
      out['chart/templates/cluster-reconciler.yaml'] =
        `{{- if .Values.clusterReconciler }}\n${expr(toYaml([reconciler]))}{{- end }}\n`;
  }
  out['chart/templates/web-ingress.yaml'] = webIngressTemplate;
  out['examples/web-ingress/kustomization.yaml'] =
    `${header}# The kustomize base plus an Ingress for the dashboard (Service driftless-web, port ${WebPort}).\n` +
    `# Off loopback the dashboard asks for a Kubernetes bearer token; set your host and TLS Secret.\n` +
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../kustomize\n  - ingress.yaml\n`;
  out['examples/web-ingress/ingress.yaml'] = header + toYaml([webIngress('flux-system')]);
  out['chart/templates/_helpers.tpl'] =
    '{{/* The manager image: repository:tag, pinned by digest when image.digest is set. */}}\n' +
    '{{- define "driftless.image" -}}\n' +
    '{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}' +
    '{{ with .Values.image.digest }}@{{ . }}{{ end }}\n' +
    '{{- end -}}\n';
  out['chart/Chart.yaml'] =
    `${header}apiVersion: v2\nname: driftless\ndescription: A Flux-compatible GitOps engine for Kubernetes in one process\n` +
    `type: application\nversion: ${version}\nappVersion: "${version}"\n`;
  out['chart/values.yaml'] =
    `${header}image:\n  repository: driftless\n  # Default: the chart's appVersion.\n  tag: ""\n` +
    `  # sha256:… as \`npm run image\` prints it (.image/image.json); the image is then pulled by digest.\n  digest: ""\n` +
    `# Bind cluster-admin for what Kustomizations and HelmReleases without spec.serviceAccountName apply (Flux's\n` +
    `# cluster-reconciler). false: the manager keeps its own role and applies only as the service accounts named.\n` +
    `clusterReconciler: true\n` +
    `web:\n  # An Ingress for the dashboard (Service driftless-web, port ${WebPort}); it asks for a Kubernetes bearer token.\n` +
    `  ingress:\n    enabled: false\n    className: ""\n    annotations: {}\n    host: driftless.example.com\n` +
    `    # The Secret holding the host's certificate; empty: plain HTTP (tokens would cross the network in clear).\n` +
    `    tlsSecretName: ""\n`;
  return out;
}

/** Writes deployFiles() under `<root>/deploy/`; the chart's CRDs are a symlink to deploy/crds/crds.yaml. */
export function writeDeployFiles(root = process.cwd()): void {
  for (const [rel, content] of Object.entries(deployFiles())) {
    const file = path.join(root, 'deploy', rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}
