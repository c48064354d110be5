// ImageUpdateAutomation end to end: a real registry (distribution v3) with tags, an ImagePolicy that picks
// the newest, the automation committing the new tag into a manifest of the local Git server's repository
// with the GitRepository's credentials, and the Kustomization applying it. Also: a marker naming a missing
// policy and a non-YAML file are left alone and reported, no change means no commit, bad templates and
// selectors are Ready=False with Flux's reasons, and the real flux CLI lists the image objects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Groups } from '../../src/api/constants.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { fetchRevision } from '../../src/sources/git/fetch-revision.ts';
import { listRemoteRefs } from '../../src/sources/git/list-remote-refs.ts';
import { RegistryClient } from '../../src/sources/oci/client.ts';
import { pushArtifact } from '../../src/sources/oci/push.ts';
import {
  GIT_PASSWORD,
  GIT_USER,
  gitRepoRef,
  gitRepository,
  kustomization,
  ksRef,
  ref,
  startTestEnv,
  type TestEnv,
} from '../support/env.ts';
import { cached, engineMetrics, queueIdle, reconcileCount, sample } from '../support/engine-state.ts';
import { startTestRegistry, testBinDir, type TestRegistry } from '../support/oci-registry.ts';

const ns = 'auto';
const apiVersion = `${Groups.image}/v1`;
let env: TestEnv;
let registry: TestRegistry;
let repoUrl: string;

type Cond = { type: string; status: string; reason: string; message: string };
type Obj = KubeObject & { status?: Record<string, unknown> & { conditions?: Cond[] } };
const autoRef = (name: string) => ref(apiVersion, 'ImageUpdateAutomation', ns, name);
const readyOf = (o: Obj | undefined) => o?.status?.conditions?.find((c) => c.type === 'Ready');

const configMap = (image: string) => `# The web image, kept up to date by the automation.
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-image   # applied by the Kustomization
  namespace: auto
data:
  image: ${image}:1.0.0 # {"$imagepolicy": "auto:web"}
  tag: "1.0.0" # {"$imagepolicy": "auto:web:tag"}
  other: left:1.0.0 # {"$imagepolicy": "auto:nope"}
`;

// HelmRelease values with :name, :tag and :digest setters (not applied: the Kustomization lists configmap.yaml only).
const helmValues = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: auto
spec:
  values:
    image:
      repository: old/web # {"$imagepolicy": "auto:web-digest:name"}
      tag: 0.0.1 # {"$imagepolicy": "auto:web-digest:tag"}
      digest: none # {"$imagepolicy": "auto:web-digest:digest"}
`;

before(async () => {
  env = await startTestEnv();
  registry = await startTestRegistry();
  await env.namespace(ns);
  const image = `${registry.host}/apps/web`;
  repoUrl = await env.createRepo('auto', {
    'deploy/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap.yaml\n',
    'deploy/configmap.yaml': configMap(image),
    'deploy/values.yaml': helmValues,
    'deploy/broken.yaml': 'image: [x # {"$imagepolicy": "auto:web"}\n',
    'deploy/notes.txt': 'image: x # {"$imagepolicy": "auto:web"}\n',
  });
});
after(async () => {
  await registry?.stop();
  await env?.stop();
});

async function pushTags(repository: string, tags: string[]): Promise<void> {
  const client = new RegistryClient({ registry: registry.host, repository, insecure: false });
  for (const tag of tags) await pushArtifact({ client, tag, layer: Buffer.from(`layer of ${tag}`), meta: {} });
}

async function requestReconcile(r: ReturnType<typeof ref>): Promise<string> {
  const token = `${Date.now()}-${Math.random()}`;
  await env.client.patch(r, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } });
  return token;
}

async function events(kind: string, name: string) {
  const list = await env.client.list('v1', 'Event', { namespace: ns });
  return (
    list.items as {
      reason?: string;
      type?: string;
      message?: string;
      involvedObject?: { name?: string; kind?: string };
    }[]
  ).filter((e) => e.involvedObject?.kind === kind && e.involvedObject.name === name);
}

const auth = { username: GIT_USER, password: GIT_PASSWORD };

/** The head of `main` on the Git server, and the file at it. */
async function remoteMain(file: string): Promise<{ sha: string; text: string; log: string }> {
  const dir = await mkdtemp(path.join(env.tmp, 'clone-'));
  const fetched = await fetchRevision({ url: repoUrl, auth, ref: { branch: 'main' }, dir });
  const text = await readFile(path.join(dir, file), 'utf8');
  const log = await new Promise<string>((resolve, reject) =>
    execFile('git', ['-C', dir, 'log', '-1', '--format=%an <%ae>%n%B'], (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
  return { sha: fetched.commit, text, log };
}

const automation = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind: 'ImageUpdateAutomation',
  metadata: { name, namespace: ns },
  spec: {
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: 'auto' },
    git: {
      checkout: { ref: { branch: 'main' } },
      commit: {
        author: { name: 'Flux Bot', email: 'flux@example.com' },
        messageTemplate:
          'Update images in {{ .Values.env }}\n\n{{ range .Changed.Changes }}- {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}',
        messageTemplateValues: { env: 'e2e' },
      },
      push: { branch: 'main' },
    },
    update: { strategy: 'Setters', path: './deploy' },
    policySelector: { matchLabels: { team: 'web' } },
    ...spec,
  },
});

void test('registry tags → ImagePolicy → the automation commits the new tag with the GitRepository credentials → the Kustomization applies it', async () => {
  const image = `${registry.host}/apps/web`;
  await pushTags('apps/web', ['1.0.0', '1.1.0', '0.9.0']);
  await env.apply(gitRepository(ns, 'auto', repoUrl));
  await env.apply(kustomization(ns, 'auto', 'auto', { path: './deploy', targetNamespace: ns }));
  await env.apply({
    apiVersion,
    kind: 'ImageRepository',
    metadata: { name: 'web', namespace: ns },
    spec: { image, interval: '10m' },
  });
  await env.apply({
    apiVersion,
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace: ns, labels: { team: 'web' } },
    spec: { imageRepositoryRef: { name: 'web' }, policy: { semver: { range: '>=1.0.0' } } },
  });
  await env.apply({
    apiVersion,
    kind: 'ImagePolicy',
    metadata: { name: 'web-digest', namespace: ns, labels: { team: 'web' } },
    spec: {
      imageRepositoryRef: { name: 'web' },
      policy: { semver: { range: '1.1.x' } },
      digestReflectionPolicy: 'IfNotPresent',
    },
  });
  await env.waitForReady(ref(apiVersion, 'ImagePolicy', ns, 'web'), { status: 'True' });
  await env.waitForReady(ref(apiVersion, 'ImagePolicy', ns, 'web-digest'), { status: 'True' });
  const digest = (await new RegistryClient({ registry: registry.host, repository: 'apps/web' }).resolve('1.1.0'))
    .digest;
  await env.apply(automation('web'));

  const done = await env.waitFor('the first push', async () => {
    const o = (await env.get(autoRef('web'))) as Obj | undefined;
    return o?.status?.['lastPushCommit'] && readyOf(o)?.status === 'True' ? o : undefined;
  });
  assert.equal(readyOf(done)!.reason, 'Succeeded');
  assert.equal(readyOf(done)!.message, 'repository up-to-date');
  const pushed = done.status!['lastPushCommit'] as string;
  assert.match(pushed, /^[0-9a-f]{40}$/);
  assert.match(done.status!['lastPushTime'] as string, /^\d{4}-\d\d-\d\dT/);
  assert.match(done.status!['lastAutomationRunTime'] as string, /^\d{4}-\d\d-\d\dT/);
  assert.equal(done.status!['observedSourceRevision'], `main@sha1:${pushed}`);
  assert.deepEqual(done.status!['observedPolicies'], {
    web: { name: image, tag: '1.1.0' },
    'web-digest': { name: image, tag: '1.1.0', digest },
  });

  // Only the marked scalars changed; the comments, quotes and the unknown policy's marker stayed.
  assert.equal(
    (await remoteMain('deploy/values.yaml')).text,
    helmValues.replace('old/web #', `${image} #`).replace('tag: 0.0.1', 'tag: 1.1.0').replace('none #', `${digest} #`),
  );
  const main = await remoteMain('deploy/configmap.yaml');
  assert.equal(main.sha, pushed);
  assert.equal(
    main.text,
    configMap(image).replace(`${image}:1.0.0 #`, `${image}:1.1.0 #`).replace('tag: "1.0.0"', 'tag: "1.1.0"'),
  );
  assert.equal(
    main.log,
    `Flux Bot <flux@example.com>\nUpdate images in e2e\n\n- ${image}:1.0.0 -> ${image}:1.1.0\n- 1.0.0 -> 1.1.0\n- old/web -> ${image}\n- 0.0.1 -> 1.1.0\n- none -> ${digest}\n\n`,
  );

  const evs = await env.waitFor('push and skipped events', async () => {
    const list = await events('ImageUpdateAutomation', 'web');
    const push = list.find(
      (e) => e.type === 'Normal' && e.reason === 'Succeeded' && e.message?.startsWith('pushed commit'),
    );
    const skipped = list.find((e) => e.type === 'Warning' && e.reason === 'UpdateSkipped');
    return push && skipped ? { push, skipped } : undefined;
  });
  assert.equal(
    evs.push.message,
    `pushed commit '${pushed.slice(0, 7)}' to branch 'main'\nUpdate images in e2e\n\n- ${image}:1.0.0 -> ${image}:1.1.0\n- 1.0.0 -> 1.1.0\n- old/web -> ${image}\n- 0.0.1 -> 1.1.0\n- none -> ${digest}\n`,
  );
  assert.match(evs.skipped.message ?? '', /skipped 'broken\.yaml': not valid YAML/);
  assert.match(evs.skipped.message ?? '', /left the marker 'auto:nope' in 'configmap\.yaml' alone/);

  // The GitOps loop applies the new tag.
  await requestReconcile(gitRepoRef(ns, 'auto'));
  await env.waitFor('the ConfigMap with the new image', async () => {
    const cm = (await env.client.get(ref('v1', 'ConfigMap', ns, 'web-image'))) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    return cm?.data?.['image'] === `${image}:1.1.0` && cm.data['tag'] === '1.1.0';
  });
  await env.waitForReady(ksRef(ns, 'auto'), { status: 'True' });

  // No change: a requested run pushes nothing.
  const token = await requestReconcile(autoRef('web'));
  const again = await env.waitFor('the requested run', async () => {
    const o = (await env.get(autoRef('web'))) as Obj | undefined;
    return o?.status?.['lastHandledReconcileAt'] === token ? o : undefined;
  });
  assert.equal(again.status!['lastPushCommit'], pushed);
  const heads = await listRemoteRefs({ url: repoUrl, auth, kind: 'heads' });
  assert.equal(heads.find((r) => r.name === 'refs/heads/main')?.sha, pushed);

  // A newer tag: the ImagePolicy moves, the automation pushes again.
  await pushTags('apps/web', ['1.2.0']);
  await requestReconcile(ref(apiVersion, 'ImageRepository', ns, 'web'));
  const second = await env.waitFor('the second push', async () => {
    const o = (await env.get(autoRef('web'))) as Obj | undefined;
    const c = o?.status?.['lastPushCommit'];
    return c && c !== pushed ? o : undefined;
  });
  assert.deepEqual((second.status!['observedPolicies'] as Record<string, unknown>)['web'], {
    name: image,
    tag: '1.2.0',
  });
  assert.match((await remoteMain('deploy/configmap.yaml')).text, /apps\/web:1\.2\.0 # \{"\$imagepolicy": "auto:web"\}/);

  // Suspended: a new latest image is not written; resumed: it is.
  const engine = env.engine!;
  await env.apply(automation('web', { suspend: true }));
  await env.waitFor(
    'the engine sees suspend',
    async () =>
      (cached(engine, autoRef('web')) as { spec?: { suspend?: boolean } } | undefined)?.spec?.suspend === true,
  );
  const runs = await reconcileCount(engine, 'imageupdateautomation');
  const suspendedHead = (await remoteMain('deploy/configmap.yaml')).sha;
  await pushTags('apps/web', ['1.3.0']);
  await requestReconcile(ref(apiVersion, 'ImageRepository', ns, 'web'));
  await env.waitFor('the policy at 1.3.0', async () => {
    const p = (await env.get(ref(apiVersion, 'ImagePolicy', ns, 'web'))) as Obj | undefined;
    return (p?.status?.['latestRef'] as { tag?: string } | undefined)?.tag === '1.3.0';
  });
  await env.waitFor(
    'the suspended automation skipped',
    async () =>
      (await reconcileCount(engine, 'imageupdateautomation')) > runs &&
      (await queueIdle(engine, 'imageupdateautomation')),
  );
  assert.equal((await remoteMain('deploy/configmap.yaml')).sha, suspendedHead);
  await env.apply(automation('web', { suspend: false }));
  await env.waitFor('the resumed push', async () =>
    /apps\/web:1\.3\.0 #/.test((await remoteMain('deploy/configmap.yaml')).text),
  );
  // SLI M7: every Git write was timed (the first update and the one after resuming, at least).
  const pushes = /^driftless_git_push_duration_seconds_count (\d+)$/m.exec(await engineMetrics(engine));
  assert.ok(Number(pushes?.[1] ?? 0) >= 2, `timed pushes: ${pushes?.[1] ?? 'none'}`);
});

void test('a push branch and refspec: the update goes to its own branch from the checkout branch; main is untouched', async () => {
  const before = (await listRemoteRefs({ url: repoUrl, auth, kind: 'heads' })).find(
    (r) => r.name === 'refs/heads/main',
  );
  await env.apply(
    automation('branch', {
      git: {
        checkout: { ref: { branch: 'main' } },
        commit: { author: { email: 'bot@example.com' } },
        push: { branch: 'auto-updates', refspec: 'refs/heads/auto-updates:refs/heads/auto-copy', options: {} },
      },
      update: { path: './deploy' },
      policySelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['web'] }] },
    }),
  );
  // The policy is at 1.3.0 and main already has it: nothing to commit, so nothing is pushed.
  const o = (await env.waitForReady(autoRef('branch'), { status: 'True' })) as Obj;
  assert.equal(o.status?.['lastPushCommit'], undefined);
  const heads = await listRemoteRefs({ url: repoUrl, auth, kind: 'heads' });
  assert.equal(heads.find((r) => r.name === 'refs/heads/main')?.sha, before?.sha);
  assert.equal(
    heads.find((r) => r.name === 'refs/heads/auto-updates'),
    undefined,
  );
});

void test('bad input: unknown template field, removed .Updated, unsupported construct, bad selector, missing source', async () => {
  // A repository still at 1.0.0, so a run has a change to commit and renders the template.
  const staleUrl = await env.createRepo('stale', { 'configmap.yaml': configMap(`${registry.host}/apps/web`) });
  await env.apply(gitRepository(ns, 'stale', staleUrl));
  const staleHead = async () =>
    (await listRemoteRefs({ url: staleUrl, auth, kind: 'heads' })).find((r) => r.name === 'refs/heads/main')?.sha;
  const before = await staleHead();
  const withTemplate = (messageTemplate: string) => ({
    sourceRef: { kind: 'GitRepository', name: 'stale' },
    git: { commit: { author: { email: 'bot@example.com' }, messageTemplate }, push: { branch: 'main' } },
    update: { path: './' },
  });
  await env.apply(automation('tpl-unknown', withTemplate('{{ .Nope }}')));
  await env.waitForReady(autoRef('tpl-unknown'), {
    status: 'False',
    reason: 'GitOperationFailed',
    messageIncludes:
      'failed to update source: failed to run template from spec: template: commit message:1: executing "commit message" at <.Nope>: can\'t evaluate field Nope in type source.TemplateData',
  });
  await env.apply(automation('tpl-updated', withTemplate('{{ range .Updated.Images }}{{ . }}{{ end }}')));
  const removed = (await env.waitForReady(autoRef('tpl-updated'), {
    status: 'False',
    reason: 'RemovedTemplateField',
  })) as Obj;
  assert.equal(removed.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
  await env.apply(automation('tpl-define', withTemplate('{{ define "x" }}y{{ end }}')));
  const define = await env.waitForReady(autoRef('tpl-define'), { status: 'False', reason: 'NotSupported' });
  assert.match(
    readyOf(define as Obj)!.message,
    /spec\.git\.commit\.messageTemplate: \{\{define\}\} \(line 1\) is not supported/,
  );
  // Nothing was committed by the failed runs.
  assert.equal(await staleHead(), before);

  await env.apply(
    automation('bad-selector', { policySelector: { matchExpressions: [{ key: 'team', operator: 'Near' }] } }),
  );
  await env.waitForReady(autoRef('bad-selector'), {
    status: 'False',
    reason: 'InvalidPolicySelector',
    messageIncludes: 'failed to parse policy selector',
  });
  await env.apply(automation('no-source', { sourceRef: { kind: 'GitRepository', name: 'nope' } }));
  await env.waitForReady(autoRef('no-source'), {
    status: 'False',
    reason: 'SourceManagerFailed',
    messageIncludes: 'referenced git repository does not exist',
  });
  // SLI M4: the failed runs above are counted by their Ready reason.
  const metrics = await engineMetrics(env.engine!);
  for (const reason of ['GitOperationFailed', 'InvalidPolicySelector']) {
    assert.ok(sample(metrics, 'driftless_image_automation_failures_total', { reason }) >= 1, reason);
  }
});

void test('the flux CLI lists, reconciles, suspends and resumes the image objects; flux_resource_info lists them', async () => {
  const flux = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        path.join(testBinDir(), 'flux'),
        [...args, '-n', ns, '--kubeconfig', env.kubeconfigPath, '--timeout', '40s'],
        { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: env.tmp }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
  const out = await flux(['get', 'images', 'all']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /imagerepository\/web\s+.*True/);
  assert.match(out.stdout, /imagepolicy\/web\s+.*1\.3\.0/);
  assert.match(out.stdout, /imageupdateautomation\/web\s+.*True\s+.*repository up-to-date/);
  const suspended = async (r: ReturnType<typeof ref>) =>
    ((await env.get(r)) as { spec?: { suspend?: boolean } } | undefined)?.spec?.suspend === true;
  const repoRef = ref(apiVersion, 'ImageRepository', ns, 'web');
  for (const [kind, r] of [
    ['repository', repoRef],
    ['update', autoRef('web')],
  ] as const) {
    // flux waits for the reconcile it requests to be handled (lastHandledReconcileAt) and Ready, then
    // prints its own summary: `scan fetched N tags` from status.lastScanResult for a repository.
    const reconciled = await flux(['reconcile', 'image', kind, 'web']);
    assert.equal(reconciled.code, 0, `flux reconcile image ${kind}: ${reconciled.stderr}`);
    assert.match(
      reconciled.stderr + reconciled.stdout,
      kind === 'repository' ? /scan fetched 5 tags/ : /reconciliation completed|repository up-to-date/i,
    );
    const s = await flux(['suspend', 'image', kind, 'web']);
    assert.equal(s.code, 0, `flux suspend image ${kind}: ${s.stderr}`);
    assert.equal(await suspended(r), true, `suspended ${kind}`);
    // The SUSPENDED column (flux aligns columns, so the header's offset is the value's).
    const lines = (await flux(['get', 'images', kind])).stdout.split('\n');
    const column = lines[0]?.indexOf('SUSPENDED') ?? -1;
    const row = lines.find((l) => l.startsWith('web '));
    assert.ok(column > 0 && row, `flux get images ${kind}:\n${lines.join('\n')}`);
    assert.match(row.slice(column), /^True\b/, `flux get images ${kind} shows SUSPENDED True:\n${lines.join('\n')}`);
    const resumed = await flux(['resume', 'image', kind, 'web']);
    assert.equal(resumed.code, 0, `flux resume image ${kind}: ${resumed.stderr}`);
    assert.equal(await suspended(r), false, `resumed ${kind}`);
  }

  // flux_resource_info follows the image objects live, with the Operator's per-kind labels.
  const metrics = await engineMetrics(env.engine!);
  const image = `${registry.host}/apps/web`;
  for (const [kind, labels] of [
    ['ImageRepository', { url: image }],
    ['ImagePolicy', { source_name: 'web' }],
    ['ImageUpdateAutomation', { source_name: 'auto' }],
  ] as const)
    assert.equal(
      sample(metrics, 'flux_resource_info', { kind, name: 'web', exported_namespace: ns, ready: 'True', ...labels }),
      1,
      `flux_resource_info for ${kind}`,
    );
});
