// HelmRepository and HelmChart end to end: an HTTP chart repository made with the real `helm package` and
// `helm repo index`, served by this test with basic auth; charts from it and from a GitRepository; the
// bad inputs (missing version, wrong password, an index that is not YAML, an over-size index, a chart
// archive with `../`); the real `flux` CLI listing them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { ApiVersions } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { gitRepository, ref, startTestEnv, type TestEnv } from '../support/env.ts';

const binDir = process.env['DRIFTLESS_TEST_BIN_DIR'] ?? path.join(homedir(), '.cache', 'driftless', 'bin');
const helmBin = path.join(binDir, 'helm');
const fluxBin = path.join(binDir, 'flux');
const fixture = new URL('../fixtures/charts/hello/', import.meta.url).pathname;
const USER = 'chart-reader';
const PASSWORD = 'sw0rdfish-not-in-any-message';
const ns = 'helm-sources';

let env: TestEnv;
let server: http.Server;
let base: string;
let repoDir: string;

const run = (bin: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(bin, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${bin} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );

const helmRepository = (name: string, url: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'HelmRepository',
  metadata: { name, namespace: ns },
  spec: { url, interval: '1m', ...spec },
});
const helmChart = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: ApiVersions.source,
  kind: 'HelmChart',
  metadata: { name, namespace: ns },
  spec: { interval: '1m', ...spec },
});
const repoRef = (name: string) => ref(ApiVersions.source, 'HelmRepository', ns, name);
const chartRef = (name: string) => ref(ApiVersions.source, 'HelmChart', ns, name);
type Artifact = { path: string; url: string; revision: string; digest: string; size: number };
const artifactOf = (o: KubeObject | undefined): Artifact =>
  (o as unknown as { status: { artifact: Artifact } }).status.artifact;
const statusOf = (o: KubeObject | undefined): Record<string, unknown> =>
  (o as unknown as { status: Record<string, unknown> }).status;

async function events(
  name: string,
): Promise<{ reason?: string; type?: string; message?: string; annotations: Record<string, string> }[]> {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string };
      metadata: { annotations?: Record<string, string> };
    }[]
  )
    .filter((e) => e.involvedObject?.name === name)
    .map((e) => ({ ...e, annotations: e.metadata.annotations ?? {} }));
}

/** A chart archive whose second entry climbs out of the chart directory. */
async function evilChart(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  const chartYaml = Buffer.from('apiVersion: v2\nname: evil\nversion: 0.1.0\n');
  pack.entry({ name: 'evil/Chart.yaml', size: chartYaml.length }, chartYaml);
  pack.entry({ name: 'evil/../../escaped.txt', size: 3 }, Buffer.from('pwn'));
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

before(async () => {
  await access(helmBin, constants.X_OK).catch(() => {
    throw new Error(`${helmBin} not found or not executable; run scripts/provision.sh helm to build it`);
  });
  env = await startTestEnv();
  await env.namespace(ns);
  // The chart repository: two versions packaged by the real helm, indexed by the real helm (relative URLs).
  repoDir = path.join(env.tmp, 'charts');
  await mkdir(repoDir, { recursive: true });
  await run(helmBin, ['package', fixture, '-d', repoDir]);
  await run(helmBin, ['package', fixture, '--version', '0.2.0', '-d', repoDir]);
  await run(helmBin, ['package', fixture, '--version', '1.0.0-rc.1', '-d', repoDir]);
  await run(helmBin, ['repo', 'index', repoDir]);
  const evil = await evilChart();
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    const authorized = auth === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const [, area, file] = url.pathname.split('/');
    if (area === 'charts' || area === 'elsewhere') {
      if (!authorized) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
        return;
      }
      if (area === 'elsewhere' && file === 'index.yaml') {
        // Absolute chart URLs on another host name of the same server: credentials need passCredentials.
        void readFile(path.join(repoDir, 'index.yaml'), 'utf8').then((text) =>
          res.end(text.replaceAll(/- (hello-[^\s]+\.tgz)/g, `- ${base.replace('127.0.0.1', 'localhost')}/charts/$1`)),
        );
        return;
      }
      void readFile(path.join(repoDir, file ?? '')).then(
        (body) => res.end(body),
        () => res.writeHead(404).end(),
      );
      return;
    }
    if (area === 'not-yaml' && file === 'index.yaml') {
      res.end('<html><body>this: is: not [a helm index</body></html>');
      return;
    }
    if (area === 'huge' && file === 'index.yaml') {
      // 60 MiB of valid YAML comments, streamed without a length: the client must stop at its cap.
      const line = `# ${'x'.repeat(1021)}\n`;
      let sent = 0;
      res.writeHead(200, { 'content-type': 'text/yaml' });
      const pump = (): void => {
        while (sent < 60 * 1024 * 1024) {
          sent += line.length;
          if (!res.write(line)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('apiVersion: v1\n');
      };
      res.on('close', () => (sent = Infinity));
      pump();
      return;
    }
    if (area === 'evil') {
      if (file === 'index.yaml')
        res.end('apiVersion: v1\nentries:\n  evil:\n  - {name: evil, version: 0.1.0, urls: [evil-0.1.0.tgz]}\n');
      else res.end(evil);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'chart-auth', namespace: ns },
    stringData: { username: USER, password: PASSWORD },
  } as KubeObject);
  await env.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'wrong-auth', namespace: ns },
    stringData: { username: USER, password: 'not-the-password' },
  } as KubeObject);
});
after(async () => {
  await env?.stop();
  server?.close();
});

test('a HelmRepository with basic auth stores the index: revision sha256 of the fetched index, Flux path and event', async () => {
  await env.apply(helmRepository('charts', `${base}/charts`, { secretRef: { name: 'chart-auth' } }));
  const repo = await env.waitForReady(repoRef('charts'), { reason: 'Succeeded' });
  const served = await readFile(path.join(repoDir, 'index.yaml'));
  const hex = createHash('sha256').update(served).digest('hex');
  const artifact = artifactOf(repo);
  assert.equal(artifact.revision, `sha256:${hex}`);
  assert.equal(artifact.path, `helmrepository/${ns}/charts/index-${hex}.yaml`);
  assert.match(artifact.digest, /^sha256:[0-9a-f]{64}$/);
  const ready = repo.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.message, `stored artifact: revision 'sha256:${hex}'`);
  assert.equal(repo.status?.conditions?.find((c) => c.type === 'ArtifactInStorage')?.status, 'True');
  assert.deepEqual(repo.metadata.finalizers, ['finalizers.fluxcd.io']);
  // The stored index is the loaded index as JSON, downloadable from the artifact URL.
  const stored = (await (await fetch(artifact.url)).json()) as { entries: Record<string, { version: string }[]> };
  assert.deepEqual(
    stored.entries['hello']?.map((cv) => cv.version),
    ['1.0.0-rc.1', '0.2.0', '0.1.0'],
  );
  const event = await env.waitFor('the NewArtifact event', async () =>
    (await events('charts')).find((e) => e.reason === 'NewArtifact'),
  );
  assert.match(event.message ?? '', new RegExp(`^stored fetched index of size [0-9.]+kB from '${base}/charts'$`));
  assert.equal(event.annotations['source.toolkit.fluxcd.io/revision'], `sha256:${hex}`);
});

test('a HelmChart pulls the version picked from the index (comma ranges too) and keeps the archive as served', async () => {
  await env.apply(
    helmChart('hello', { chart: 'hello', version: '0.1.x', sourceRef: { kind: 'HelmRepository', name: 'charts' } }),
  );
  let chart = await env.waitForReady(chartRef('hello'), { reason: 'ChartPullSucceeded' });
  let artifact = artifactOf(chart);
  assert.equal(artifact.revision, '0.1.0');
  assert.equal(artifact.path, `helmchart/${ns}/hello/hello-0.1.0.tgz`);
  const served = await readFile(path.join(repoDir, 'hello-0.1.0.tgz'));
  assert.equal(artifact.digest, `sha256:${createHash('sha256').update(served).digest('hex')}`);
  assert.equal(
    chart.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    "pulled 'hello' chart with version '0.1.0'",
  );
  const repo = await env.get(repoRef('charts'));
  assert.equal(statusOf(chart)['observedChartName'], 'hello');
  assert.equal(statusOf(chart)['observedSourceArtifactRevision'], artifactOf(repo).revision);
  // The artifact is a chart the real helm renders.
  const file = path.join(env.tmp, 'pulled.tgz');
  await writeFile(file, Buffer.from(await (await fetch(artifact.url)).arrayBuffer()));
  assert.match(await run(helmBin, ['template', 'rel', file]), /greeting: "hello"/);
  // Flux's comma syntax: the highest stable version in range; the prerelease stays out.
  await env.apply(
    helmChart('hello', {
      chart: 'hello',
      version: '>=0.1.0, <2.0.0',
      sourceRef: { kind: 'HelmRepository', name: 'charts' },
    }),
  );
  chart = await env.waitForReady(chartRef('hello'), { messageIncludes: "version '0.2.0'" });
  artifact = artifactOf(chart);
  assert.equal(artifact.revision, '0.2.0');
  const event = await env.waitFor('the ChartPullSucceeded event', async () =>
    (await events('hello')).find((e) => e.reason === 'ChartPullSucceeded' && e.message?.includes("'0.2.0'")),
  );
  assert.equal(event.annotations['source.toolkit.fluxcd.io/revision'], '0.2.0');
});

test('valuesFiles of a repository chart are merged into values.yaml with the generation as build metadata', async () => {
  await env.apply(
    helmChart('hello-prod', {
      chart: 'hello',
      version: '0.1.0',
      valuesFiles: ['values.yaml', 'values-prod.yaml', 'values-missing.yaml'],
      ignoreMissingValuesFiles: true,
      sourceRef: { kind: 'HelmRepository', name: 'charts' },
    }),
  );
  const chart = await env.waitForReady(chartRef('hello-prod'), { reason: 'ChartPackageSucceeded' });
  const generation = chart.metadata.generation;
  assert.equal(artifactOf(chart).revision, `0.1.0+${generation}`);
  assert.deepEqual(statusOf(chart)['observedValuesFiles'], ['values.yaml', 'values-prod.yaml']);
  assert.equal(
    chart.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    `packaged 'hello' chart with version '0.1.0+${generation}' and merged values files [values.yaml values-prod.yaml]`,
  );
  const file = path.join(env.tmp, 'prod.tgz');
  await writeFile(file, Buffer.from(await (await fetch(artifactOf(chart).url)).arrayBuffer()));
  assert.match(await run(helmBin, ['template', 'rel', file]), /greeting: "hello from prod"/);
});

test('a chart from a GitRepository is packaged; reconcileStrategy Revision appends the short commit', async () => {
  const files: Record<string, string> = {};
  for (const f of ['Chart.yaml', 'values.yaml', 'values-prod.yaml', '.helmignore', 'templates/configmap.yaml']) {
    files[`charts/hello/${f}`] = await readFile(path.join(fixture, f), 'utf8');
  }
  await env.createRepo('helm-charts', files);
  await env.apply(gitRepository(ns, 'helm-charts', env.git.repoUrl('helm-charts')));
  await env.apply(
    helmChart('from-git', {
      chart: './charts/hello',
      reconcileStrategy: 'Revision',
      valuesFiles: ['charts/hello/values.yaml', 'charts/hello/values-prod.yaml'],
      sourceRef: { kind: 'GitRepository', name: 'helm-charts' },
    }),
  );
  const chart = await env.waitForReady(chartRef('from-git'), { reason: 'ChartPackageSucceeded' }, 90_000);
  const git = await env.get(ref(ApiVersions.source, 'GitRepository', ns, 'helm-charts'));
  const commit = artifactOf(git).revision.replace(/^.*sha1:/, '');
  const version = `0.1.0+${commit.slice(0, 12)}.${chart.metadata.generation}`;
  assert.equal(artifactOf(chart).revision, version);
  assert.equal(artifactOf(chart).path, `helmchart/${ns}/from-git/hello-${version}.tgz`);
  assert.equal(statusOf(chart)['observedSourceArtifactRevision'], artifactOf(git).revision);
  assert.equal(statusOf(chart)['observedValuesFiles'], undefined, 'only written with ignoreMissingValuesFiles');
  const file = path.join(env.tmp, 'git.tgz');
  await writeFile(file, Buffer.from(await (await fetch(artifactOf(chart).url)).arrayBuffer()));
  const shown = await run(helmBin, ['show', 'chart', file]);
  assert.match(shown, new RegExp(`version: ${version.replace('+', '\\+')}`));
  assert.match(await run(helmBin, ['template', 'rel', file]), /greeting: "hello from prod"/);
  // A new commit is a new source revision: the chart follows it without a spec change.
  const sha = await env.commit('helm-charts', { 'charts/hello/values-prod.yaml': 'greeting: hello again\n' });
  await env.apply({
    ...gitRepository(ns, 'helm-charts', env.git.repoUrl('helm-charts')),
    metadata: { name: 'helm-charts', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': sha } },
  });
  const next = await env.waitFor('the chart built from the new commit', async () => {
    const c = await env.get(chartRef('from-git'));
    return artifactOf(c)?.revision.includes(sha.slice(0, 12)) ? c : undefined;
  });
  assert.match(artifactOf(next).revision, new RegExp(`^0\\.1\\.0\\+${sha.slice(0, 12)}\\.`));
});

test('a version that does not exist stalls the chart with InvalidChartReference; the last artifact stays', async () => {
  await env.apply(
    helmChart('hello', { chart: 'hello', version: '9.9.9', sourceRef: { kind: 'HelmRepository', name: 'charts' } }),
  );
  const chart = await env.waitForReady(chartRef('hello'), { status: 'False', reason: 'InvalidChartReference' });
  const ready = chart.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(
    ready?.message,
    "invalid chart reference: failed to get chart version for remote reference: no 'hello' chart with version matching '9.9.9' found",
  );
  assert.equal(chart.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  assert.equal(artifactOf(chart).revision, '0.2.0', 'the last good artifact is kept');
});

test('spec.verify on a chart of an HTTP repository fails as Flux (ChartVerificationError, not implemented); the artifact stays', async () => {
  const spec = { chart: 'hello', version: '0.1.x', sourceRef: { kind: 'HelmRepository', name: 'charts' } };
  await env.apply(helmChart('hello-verify', spec));
  await env.waitForReady(chartRef('hello-verify'), { reason: 'ChartPullSucceeded' });
  // source-controller asks the HTTP repository to verify, which it cannot: never a silent pass.
  await env.apply(helmChart('hello-verify', { ...spec, verify: { provider: 'cosign', secretRef: { name: 'keys' } } }));
  const chart = await env.waitForReady(chartRef('hello-verify'), { status: 'False', reason: 'ChartVerificationError' });
  const conditions = chart.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  assert.match(
    ready?.message ?? '',
    /^chart verification error: not implemented: spec\.verify applies only to charts of a HelmRepository of type oci/,
  );
  const verified = conditions.find((c) => c.type === 'SourceVerified');
  assert.deepEqual([verified?.status, verified?.reason], ['False', 'VerificationError']);
  assert.equal(conditions.find((c) => c.type === 'BuildFailed')?.reason, 'ChartVerificationError');
  assert.equal(artifactOf(chart).revision, '0.1.0', 'the last artifact is kept');
});

test('a wrong password fails the index fetch naming the 401, with no credential anywhere', async () => {
  await env.apply(helmRepository('wrong', `${base}/charts`, { secretRef: { name: 'wrong-auth' } }));
  const repo = await env.waitForReady(repoRef('wrong'), { status: 'False', reason: 'Failed' });
  const ready = repo.status?.conditions?.find((c) => c.type === 'Ready');
  assert.match(
    ready?.message ?? '',
    /^failed to fetch Helm repository index: failed to fetch .*\/charts\/index\.yaml : 401 Unauthorized$/,
  );
  assert.equal(repo.status?.conditions?.find((c) => c.type === 'FetchFailed')?.status, 'True');
  const warning = await env.waitFor('the warning event', async () =>
    (await events('wrong')).find((e) => e.type === 'Warning'),
  );
  for (const text of [JSON.stringify(repo.status), JSON.stringify(warning)]) {
    assert.ok(!text.includes('not-the-password') && !text.includes(PASSWORD), 'no password in status or events');
  }
  // A missing Secret is AuthenticationFailed, as source-controller reports it.
  await env.apply(helmRepository('no-secret', `${base}/charts`, { secretRef: { name: 'absent' } }));
  await env.waitForReady(repoRef('no-secret'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: 'secrets "absent" not found',
  });
});

test('chart URLs on another host get the credentials only with passCredentials', async () => {
  await env.apply(helmRepository('elsewhere', `${base}/elsewhere`, { secretRef: { name: 'chart-auth' } }));
  await env.waitForReady(repoRef('elsewhere'));
  await env.apply(
    helmChart('elsewhere', {
      chart: 'hello',
      version: '0.1.0',
      sourceRef: { kind: 'HelmRepository', name: 'elsewhere' },
    }),
  );
  await env.waitForReady(chartRef('elsewhere'), {
    status: 'False',
    reason: 'AuthenticationFailed',
    messageIncludes: '401',
  });
  await env.apply(
    helmRepository('elsewhere', `${base}/elsewhere`, { secretRef: { name: 'chart-auth' }, passCredentials: true }),
  );
  await env.apply({
    ...helmChart('elsewhere', {
      chart: 'hello',
      version: '0.1.0',
      sourceRef: { kind: 'HelmRepository', name: 'elsewhere' },
    }),
    metadata: { name: 'elsewhere', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': 'now' } },
  });
  const chart = await env.waitForReady(chartRef('elsewhere'), { reason: 'ChartPullSucceeded' });
  assert.equal(artifactOf(chart).revision, '0.1.0');
});

test('an index that is not YAML is IndexationFailed; an over-size index stops at the 50 MiB cap', async () => {
  await env.apply(helmRepository('not-yaml', `${base}/not-yaml`));
  const bad = await env.waitForReady(repoRef('not-yaml'), { status: 'False', reason: 'IndexationFailed' });
  assert.match(
    bad.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /^failed to load Helm repository from index YAML: /,
  );
  await env.apply(helmRepository('huge', `${base}/huge`));
  const huge = await env.waitForReady(repoRef('huge'), { status: 'False', reason: 'Failed' }, 90_000);
  assert.equal(
    huge.status?.conditions?.find((c) => c.type === 'Ready')?.message,
    'failed to fetch Helm repository index: index exceeds the maximum index file size of 52428800 bytes',
  );
});

test('a chart archive with ../ is refused with a readable message and nothing stored', async () => {
  await env.apply(helmRepository('evil', `${base}/evil`));
  await env.waitForReady(repoRef('evil'));
  await env.apply(helmChart('evil', { chart: 'evil', sourceRef: { kind: 'HelmRepository', name: 'evil' } }));
  const chart = await env.waitForReady(chartRef('evil'), { status: 'False', reason: 'ChartPullError' });
  assert.match(
    chart.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /unsafe chart archive: entry "evil\/\.\.\/\.\.\/escaped\.txt" contains "\.\."/,
  );
  assert.equal(statusOf(chart)['artifact'], undefined);
  assert.deepEqual(await readdir(env.tmp).then((l) => l.filter((f) => f === 'escaped.txt')), []);
});

test('an OCI HelmRepository is static (no finalizer, empty status); a HelmChart pulls from its registry', async () => {
  await env.apply(helmRepository('oci', 'oci://registry.example.com/charts', { type: 'oci' }));
  await env.waitFor('the OCI repository emptied', async () => {
    const repo = await env.get(repoRef('oci'));
    const status = statusOf(repo) ?? {};
    return !repo?.metadata.finalizers?.length && Object.keys(status).length === 0 ? repo : undefined;
  });
  // registry.example.com serves no registry: the pull fails, named (test/e2e/helm-release-oci pulls for real).
  await env.apply(helmChart('from-oci', { chart: 'hello', sourceRef: { kind: 'HelmRepository', name: 'oci' } }));
  await env.waitForReady(
    chartRef('from-oci'),
    {
      status: 'False',
      reason: 'ChartPullError',
      messageIncludes: 'failed to get chart version for remote reference',
    },
    120_000,
  );
  // A Bucket source that does not exist: Flux's SourceUnavailable, naming it (test/e2e/bucket-source builds from one).
  await env.apply(helmChart('from-bucket', { chart: 'hello', sourceRef: { kind: 'Bucket', name: 'b' } }));
  await env.waitForReady(chartRef('from-bucket'), {
    status: 'False',
    reason: 'SourceUnavailable',
    messageIncludes: 'buckets.source.toolkit.fluxcd.io "b" not found',
  });
});

test('the real flux CLI lists the Helm sources with their revision and readiness', async () => {
  await access(fluxBin, constants.X_OK).catch(() => {
    throw new Error(`${fluxBin} not found or not executable; run scripts/provision.sh flux to build it`);
  });
  const home = path.join(env.tmp, 'home');
  await mkdir(home, { recursive: true });
  const flux = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        fluxBin,
        [...args, '--kubeconfig', env.kubeconfigPath, '-n', ns],
        { env: { PATH: process.env['PATH'] ?? '', HOME: home }, timeout: 40_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`flux ${args.join(' ')}: ${stderr}`)) : resolve(stdout)),
      ),
    );
  const cells = (out: string, name: string): string[] | undefined =>
    out
      .split('\n')
      .map((l) =>
        l
          .replace(/\t\s*$/, '')
          .split('\t')
          .map((c) => c.trim()),
      )
      .find((r) => r[0] === name);
  const repoRevision = artifactOf(await env.get(repoRef('charts'))).revision;
  const short = repoRevision.slice(0, 'sha256:'.length + 8);
  const helm = await flux(['get', 'sources', 'helm']);
  assert.deepEqual(cells(helm, 'charts'), ['charts', short, 'False', 'True', `stored artifact: revision '${short}'`]);
  assert.equal(cells(helm, 'wrong')?.[3], 'False');
  const chart = await flux(['get', 'sources', 'chart']);
  const prod = await env.get(chartRef('hello-prod'));
  const version = artifactOf(prod).revision;
  assert.deepEqual(cells(chart, 'hello-prod'), [
    'hello-prod',
    version,
    'False',
    'True',
    `packaged 'hello' chart with version '${version}' and merged values files [values.yaml values-prod.yaml]`,
  ]);
});

test('a new chart version in the repository index reaches the HelmChart through the source watch', async () => {
  await env.apply(helmChart('follow', { chart: 'hello', sourceRef: { kind: 'HelmRepository', name: 'charts' } }));
  const before = await env.waitForReady(chartRef('follow'), { reason: 'ChartPullSucceeded' });
  assert.equal(artifactOf(before).revision, '0.2.0', "'*' is the latest stable version");
  await run(helmBin, ['package', fixture, '--version', '0.3.0', '-d', repoDir]);
  await run(helmBin, ['repo', 'index', repoDir]);
  // Only the repository is asked to reconcile; the chart follows its new index revision by itself.
  await env.apply({
    ...helmRepository('charts', `${base}/charts`, { secretRef: { name: 'chart-auth' } }),
    metadata: { name: 'charts', namespace: ns, annotations: { 'reconcile.fluxcd.io/requestedAt': 'new-version' } },
  });
  const after = await env.waitFor('the chart at 0.3.0', async () => {
    const c = await env.get(chartRef('follow'));
    return artifactOf(c)?.revision === '0.3.0' ? c : undefined;
  });
  const repo = await env.get(repoRef('charts'));
  assert.equal(statusOf(after)['observedSourceArtifactRevision'], artifactOf(repo).revision);
});

test('a Git chart depending on an http repository gets it through the HelmRepository with that URL, credentials included', async () => {
  const chartYaml = (repository: string) =>
    `apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n- name: hello\n  version: 0.1.x\n  repository: ${repository}\n`;
  await env.createRepo('umbrella', {
    'known/Chart.yaml': chartYaml(`${base}/charts/`),
    'known/values.yaml': 'hello:\n  greeting: from the umbrella\n',
    'anonymous/Chart.yaml': chartYaml(`${base.replace('127.0.0.1', 'localhost')}/charts`),
    'anonymous/values.yaml': '',
  });
  await env.apply(gitRepository(ns, 'umbrella', env.git.repoUrl('umbrella')));
  await env.apply(helmChart('umbrella', { chart: 'known', sourceRef: { kind: 'GitRepository', name: 'umbrella' } }));
  const chart = await env.waitForReady(chartRef('umbrella'), { reason: 'ChartPackageSucceeded' }, 90_000);
  assert.equal(artifactOf(chart).revision, '1.0.0');
  const file = path.join(env.tmp, 'umbrella.tgz');
  await writeFile(file, Buffer.from(await (await fetch(artifactOf(chart).url)).arrayBuffer()));
  const rendered = await run(helmBin, ['template', 'rel', file]);
  assert.match(rendered, /greeting: "from the umbrella"/);
  assert.match(rendered, /app\.kubernetes\.io\/version: "0\.1\.0"/);
  // No HelmRepository has that URL: fetched anonymously, so the server's 401 fails the build, named.
  await env.apply(
    helmChart('anonymous', { chart: 'anonymous', sourceRef: { kind: 'GitRepository', name: 'umbrella' } }),
  );
  const failed = await env.waitForReady(chartRef('anonymous'), { status: 'False', reason: 'DependencyBuildError' });
  assert.match(
    failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    /^dependency build error: failed to add remote dependency 'hello': failed to fetch .*\/charts\/index\.yaml : 401 Unauthorized$/,
  );
});
