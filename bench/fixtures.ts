// Repository contents for the benchmarks: plain data, no I/O, so both the engine and the baseline build the same files.
import { stringify } from 'yaml';

/** Label on every benchmark object, so the baseline can count what it applied without the engine's owner labels. */
export const BENCH_LABEL = 'bench.driftless.dev/object';

/** One Kustomization of a benchmark: its name and its directory in the repository. */
export type BenchUnit = { name: string; path: string };

/** A benchmark repository: its files, the Kustomizations over them, and what they produce per kind. */
export type BenchFixture = {
  files: Record<string, string>;
  units: BenchUnit[];
  /** Objects the whole benchmark creates, per kind (used to check the baseline and to count). */
  expected: { ConfigMap: number; Secret: number; Service: number; Deployment: number };
};

const pad = (i: number): string => String(i).padStart(4, '0');
const yamlDocs = (objects: object[]): string => objects.map((o) => stringify(o)).join('---\n');

/** The four objects of one P1 application: a ConfigMap, a Secret, a headless Service and a one-replica Deployment. */
function appObjects(app: string): Record<string, object> {
  const labels = { app, [BENCH_LABEL]: 'true' };
  return {
    'configmap.yaml': {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-config`, labels },
      data: { GREETING: `hello from ${app}` },
    },
    'secret.yaml': {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${app}-secret`, labels },
      stringData: { token: `${app}-token` },
    },
    'service.yaml': {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, labels },
      // Headless: the local control plane's service range is a /24, too small for N=1000 (plus the baseline's copies).
      spec: { clusterIP: 'None', selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    'deployment.yaml': {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.example/bench/app:1.0.0',
                ports: [{ containerPort: 8080 }],
                envFrom: [{ configMapRef: { name: `${app}-config` } }],
              },
            ],
          },
        },
      },
    },
  };
}

/**
 * P1: `n` applications, one directory each (`apps/app-NNNN/`, a kustomization.yaml plus four manifests), all in one
 * repository; one Kustomization per directory.
 */
export function p1Fixture(n: number): BenchFixture {
  const files: Record<string, string> = {};
  const units: BenchUnit[] = [];
  for (let i = 0; i < n; i++) {
    const app = `app-${pad(i)}`;
    const dir = `apps/${app}`;
    const objects = appObjects(app);
    files[`${dir}/kustomization.yaml`] = stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: Object.keys(objects),
    });
    for (const [file, obj] of Object.entries(objects)) files[`${dir}/${file}`] = stringify(obj);
    units.push({ name: app, path: `./${dir}` });
  }
  return { files, units, expected: { ConfigMap: n, Secret: n, Service: n, Deployment: n } };
}

/**
 * P2: one directory with `count` ConfigMaps in one multi-document file, and one Kustomization over it. Each
 * `revision` changes every ConfigMap's payload (P2's second half: a change to every object).
 */
export function p2Fixture(count: number, revision = 1): BenchFixture {
  const configMaps = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${pad(i)}`, labels: { [BENCH_LABEL]: 'true' } },
    data: { index: String(i), payload: revision === 1 ? `value-${pad(i)}` : `value-${pad(i)}-r${revision}` },
  }));
  const files = {
    'configmaps/kustomization.yaml': stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['configmaps.yaml'],
    }),
    'configmaps/configmaps.yaml': yamlDocs(configMaps),
  };
  return {
    files,
    units: [{ name: 'configmaps', path: './configmaps' }],
    expected: { ConfigMap: count, Secret: 0, Service: 0, Deployment: 0 },
  };
}

/** P5/P6: one directory with one ConfigMap whose `data.push` is `push` (each push to the repository bumps it). */
export function p5Fixture(push: number): BenchFixture {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'pushed', labels: { [BENCH_LABEL]: 'true' } },
    data: { push: String(push) },
  };
  return {
    files: {
      'app/kustomization.yaml': stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['configmap.yaml'],
      }),
      'app/configmap.yaml': stringify(configMap),
    },
    units: [{ name: 'app', path: './app' }],
    expected: { ConfigMap: 1, Secret: 0, Service: 0, Deployment: 0 },
  };
}

/**
 * One small application at the root of its own tree: a kustomization.yaml and one ConfigMap `<app>-config`. The
 * sharding row puts one per directory of one repository; the OCI row one per artifact and per repository.
 */
export function oneConfigMapApp(app: string): Record<string, string> {
  return {
    'kustomization.yaml': stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['configmap.yaml'],
    }),
    'configmap.yaml': stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-config`, labels: { app, [BENCH_LABEL]: 'true' } },
      data: { GREETING: `hello from ${app}` },
    }),
  };
}

/** The name of application `i` of a benchmark (`app-0007`). */
export const appName = (i: number): string => `app-${pad(i)}`;

/**
 * The sharding row: `n` small applications, one directory each (`apps/app-NNNN/`, {@link oneConfigMapApp}), all in
 * one repository; one Kustomization per directory.
 */
export function shardFixture(n: number): BenchFixture {
  const files: Record<string, string> = {};
  const units: BenchUnit[] = [];
  for (let i = 0; i < n; i++) {
    const app = appName(i);
    const dir = `apps/${app}`;
    for (const [file, text] of Object.entries(oneConfigMapApp(app))) files[`${dir}/${file}`] = text;
    units.push({ name: app, path: `./${dir}` });
  }
  return { files, units, expected: { ConfigMap: n, Secret: 0, Service: 0, Deployment: 0 } };
}

/** Total objects a fixture produces. */
export const objectCount = (f: BenchFixture): number => Object.values(f.expected).reduce((a, b) => a + b, 0);

/** Where P9's chart lives in its repository. */
export const P9_CHART_PATH = './charts/app';

/**
 * P9: one Helm chart (`charts/app/`) whose four templates are P1's application objects named after the release;
 * one HelmRelease per unit installs it from the repository's GitRepository.
 */
export function p9Fixture(n: number): BenchFixture {
  const marker = 'RELEASE_NAME';
  const files: Record<string, string> = {
    'charts/app/Chart.yaml': stringify({ apiVersion: 'v2', name: 'app', version: '1.0.0', appVersion: '1.0.0' }),
    'charts/app/values.yaml': stringify({ greeting: 'hello' }),
  };
  for (const [file, obj] of Object.entries(appObjects(marker)))
    files[`charts/app/templates/${file}`] = stringify(obj, { aliasDuplicateObjects: false }).replaceAll(
      marker,
      '{{ .Release.Name }}',
    );
  const units = Array.from({ length: n }, (_, i) => ({ name: appName(i), path: P9_CHART_PATH }));
  return { files, units, expected: { ConfigMap: n, Secret: n, Service: n, Deployment: n } };
}
