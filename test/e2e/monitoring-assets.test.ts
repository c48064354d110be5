// deploy/monitoring against the real engine: every PromQL expression (rules, dashboard panels and
// variables) parses with Prometheus' own grammar and names only metrics and labels a running engine
// exposes after real reconciles; the manifests parse, build with kustomize and select the manager.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';
import { defaultManagerConfig } from '../../src/config/manager-config.ts';
import { installManifests } from '../../src/install/manifests.ts';
import { gitRepoRef, gitRepository, ksRef, kustomization, startTestEnv, type TestEnv } from '../support/env.ts';

const run = promisify(execFile);
const dir = path.resolve(import.meta.dirname, '../../deploy/monitoring');
type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
};
type Rule = {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
type Panel = {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
  gridPos: { x: number; y: number; w: number; h: number };
};

const loadYaml = async (file: string): Promise<Doc[]> => {
  const docs = parseAllDocuments(await readFile(path.join(dir, file), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file} parses as YAML`);
  return docs.map((d) => d.toJS() as Doc);
};
const loadRules = async (): Promise<Rule[]> => {
  const [rule] = await loadYaml('prometheusrule.yaml');
  assert.equal(rule?.kind, 'PrometheusRule');
  return (rule.spec['groups'] as { rules: Rule[] }[]).flatMap((g) => g.rules);
};
const loadDashboard = async (): Promise<{
  panels: Panel[];
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: unknown }[] };
}> => JSON.parse(await readFile(path.join(dir, 'dashboards/driftless.json'), 'utf8'));

/** Every PromQL expression the assets hold, named for failure messages. */
async function allExpressions(): Promise<{ where: string; expr: string }[]> {
  const rules = (await loadRules()).map((r) => ({ where: `rule ${r.record ?? r.alert}`, expr: r.expr }));
  const dash = await loadDashboard();
  const panels = dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
  );
  // A `label_values(<selector>, label)` variable query holds a selector worth checking too.
  const vars = dash.templating.list.flatMap((v) => {
    const q = typeof v.query === 'object' && v.query ? (v.query as { query: string }).query : String(v.query);
    const m = /^label_values\((.+),\s*\w+\)$/.exec(q);
    return m?.[1] ? [{ where: `variable ${v.name}`, expr: m[1] }] : [];
  });
  return [...rules, ...panels, ...vars];
}

/** Grafana's variables stand in for durations and label values; the PromQL grammar knows neither. */
const withoutGrafanaVariables = (expr: string): string =>
  expr.replace(/\$(__rate_interval|__interval|__range)\b/g, '5m').replace(/\$\{?\w+\}?/g, 'x');

const rangeFunctions = /^(rate|irate|increase|delta|idelta|deriv|resets|changes|\w+_over_time)$/;

/** Parses with Prometheus' lezer grammar; returns syntax problems and the selectors used. */
function analyse(source: string): { problems: string[]; selectors: { metric: string; labels: string[] }[] } {
  const expr = withoutGrafanaVariables(source);
  const tree = parser.parse(expr);
  const problems: string[] = [];
  const selectors: { metric: string; labels: string[] }[] = [];
  const text = (n: SyntaxNode | null): string => (n ? expr.slice(n.from, n.to) : '');
  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (ref.type.isError)
        problems.push(`syntax error at ${ref.from}: "${expr.slice(Math.max(0, ref.from - 20), ref.from + 20)}"`);
      if (ref.name === 'VectorSelector') {
        const labels =
          node
            .getChild('LabelMatchers')
            ?.getChildren('UnquotedLabelMatcher')
            .map((m) => text(m.getChild('LabelName'))) ?? [];
        selectors.push({ metric: text(node.getChild('Identifier') ?? node.getChild('MetricIdentifier')), labels });
      }
      if (ref.name === 'FunctionCall') {
        const fn = text(node.getChild('FunctionIdentifier'));
        const args = node.getChild('FunctionCallBody')?.firstChild;
        if (rangeFunctions.test(fn) && args && !['MatrixSelector', 'SubqueryExpr'].includes(args.name))
          problems.push(`${fn}() needs a range vector`);
        const inner = args?.nextSibling;
        if (fn === 'histogram_quantile' && inner?.name === 'AggregateExpr') {
          const by = inner.getChild('AggregateModifier');
          const grouped = by?.getChild('GroupingLabels')?.getChildren('LabelName').map(text) ?? [];
          if (!by?.getChild('By') || !grouped.includes('le'))
            problems.push('histogram_quantile() over an aggregation must keep `le` (by (..., le))');
        }
      }
    },
  });
  return { problems, selectors };
}

test('the manifests parse, select the manager Pods and port, and build with kustomize', async () => {
  const manager = installManifests().find((o) => o.kind === 'Deployment') as unknown as {
    spec: {
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports: { name: string }[] }[] } };
    };
  };
  const podLabels = manager.spec.template.metadata.labels;
  const ports = manager.spec.template.spec.containers.flatMap((c) => c.ports.map((p) => p.name));
  const selects = (selector: unknown, labels: Record<string, string>): boolean =>
    Object.entries((selector as { matchLabels: Record<string, string> }).matchLabels).every(
      ([k, v]) => labels[k] === v,
    );

  const [podMonitor] = await loadYaml('podmonitor.yaml');
  assert.equal(podMonitor?.apiVersion, 'monitoring.coreos.com/v1');
  assert.ok(selects(podMonitor.spec['selector'], podLabels), 'the PodMonitor selects the manager Pods');
  assert.deepEqual(
    (podMonitor.spec['podMetricsEndpoints'] as { port: string }[]).map((e) => e.port),
    ['http-prom'],
  );
  assert.ok(ports.includes('http-prom'));

  const [service, serviceMonitor] = await loadYaml('servicemonitor.yaml');
  assert.equal(serviceMonitor?.kind, 'ServiceMonitor');
  assert.ok(
    selects({ matchLabels: service?.spec['selector'] }, podLabels),
    'the metrics Service selects the manager Pods',
  );
  assert.deepEqual(
    (service?.spec['ports'] as { name: string; targetPort: string }[]).map((p) => [p.name, p.targetPort]),
    [['http-prom', 'http-prom']],
  );
  assert.ok(
    selects(serviceMonitor.spec['selector'], service?.metadata.labels ?? {}),
    'the ServiceMonitor selects the metrics Service',
  );
  assert.deepEqual(
    (serviceMonitor.spec['endpoints'] as { port: string }[]).map((e) => e.port),
    ['http-prom'],
  );

  const { stdout } = await run(defaultManagerConfig().kustomizeBin, ['build', dir], { maxBuffer: 16 << 20 });
  const built = parseAllDocuments(stdout).map((d) => d.toJS() as Doc);
  assert.deepEqual(built.map((d) => `${d.kind}/${d.metadata.name}`).sort(), [
    'ConfigMap/driftless-grafana-dashboards',
    'PodMonitor/driftless',
    'PrometheusRule/driftless',
  ]);
  const cm = built.find((d) => d.kind === 'ConfigMap') as unknown as {
    metadata: { labels: Record<string, string> };
    data: Record<string, string>;
  };
  assert.equal(cm.metadata.labels['grafana_dashboard'], '1');
  assert.deepEqual(JSON.parse(cm.data['driftless.json'] ?? ''), await loadDashboard());
});

test('the dashboard is valid, generated, and every panel uses the data source variable', async () => {
  await run(process.execPath, [path.join(dir, 'generate-dashboard.js'), '--check']);
  const dash = await loadDashboard();
  assert.ok(dash.schemaVersion >= 36);
  assert.ok(dash.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  const ids = dash.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of dash.panels.filter((q) => q.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${datasource}', `panel "${p.title}" uses $datasource`);
    assert.ok(p.targets?.length, `panel "${p.title}" has queries`);
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `panel "${p.title}" fits the grid`);
  }
  const titles = dash.panels.map((p) => p.title).join('\n');
  for (const sli of ['M1', 'M2', 'M3', 'M5', 'M8', 'M10'])
    assert.match(titles + JSON.stringify(dash.panels), new RegExp(`\\b${sli}\\b`), `${sli} is on the dashboard`);
});

test('every rule and panel expression parses with the PromQL grammar', async () => {
  const exprs = await allExpressions();
  assert.ok(exprs.length > 30, `found ${exprs.length} expressions`);
  for (const { where, expr } of exprs) assert.deepEqual(analyse(expr).problems, [], `${where}: ${expr}`);
  // The checker can fail: broken expressions are reported.
  assert.notDeepEqual(analyse('sum(rate(up[5m])').problems, []);
  assert.notDeepEqual(analyse('rate(up)').problems, []);
  assert.notDeepEqual(analyse('histogram_quantile(0.9, sum by (kind) (rate(x_bucket[5m])))').problems, []);
  const rules = await loadRules();
  for (const r of rules.filter((x) => x.record))
    assert.match(r.record ?? '', /^[a-z_]+:[a-z_]+:[a-z0-9_]+$/, 'level:metric:operations');
  for (const r of rules.filter((x) => x.alert))
    assert.ok(r.labels?.['severity'] && r.annotations?.['summary'], `${r.alert} has a severity and summary`);
  const alerts = rules.map((r) => r.alert).filter(Boolean);
  for (const a of ['FluxResourceNotReady', 'DriftlessReconcileErrorRate', 'DriftlessCommitToAppliedSlow'])
    assert.ok(alerts.includes(a), a);
});

// ---- against a running engine ----

let env: TestEnv;
const ns = 'monitoring';
const cm = (value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mon\n  namespace: ${ns}\ndata:\n  value: "${value}"\n`;

before(async () => {
  env = await startTestEnv();
  await env.namespace(ns);
  await env.createRepo('mon', { 'app/cm.yaml': cm('1') });
  await env.apply(gitRepository(ns, 'mon', env.git.repoUrl('mon')));
  await env.apply(kustomization(ns, 'mon', 'mon', { path: './app' }));
  await env.apply(kustomization(ns, 'broken', 'mon', { path: './missing' }));
});
after(() => env?.stop());

/** Metric families (from `# TYPE`) and the label names seen on their samples. */
async function scrape(): Promise<{ text: string; families: Map<string, string>; labels: Map<string, Set<string>> }> {
  const res = await fetch(new URL('/metrics', env.engine?.manager.metricsUrl));
  const text = await res.text();
  const families = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) families.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][\w:]*)\{(.*)\} \S+$/.exec(line);
    if (sample?.[1] && sample[2]) {
      const set = labels.get(sample[1]) ?? new Set<string>();
      for (const m of sample[2].matchAll(/(?:^|,)(\w+)="(?:[^"\\]|\\.)*"/g)) set.add(m[1] ?? '');
      labels.set(sample[1], set);
    }
  }
  return { text, families, labels };
}
const value = (text: string, series: string): number =>
  Number(new RegExp(`^${series.replace(/[{}()[\]|.+]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');

test('after real reconciles, the SLI series carry the outcomes', async () => {
  const first = await env.waitForReady(ksRef(ns, 'mon'));
  const broken = await env.waitForReady(ksRef(ns, 'broken'), { status: 'False' });
  const reason = broken.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '';
  const repo = await env.get(gitRepoRef(ns, 'mon'));
  const meta = (repo?.status?.['artifact'] as { metadata?: Record<string, string> }).metadata ?? {};
  assert.match(
    meta['driftless.dev/commit-time'] ?? '',
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'the artifact carries the commit time',
  );

  const before = (await scrape()).text;
  assert.ok(value(before, 'driftless_reconcile_total{kind="GitRepository",result="success"}') >= 1);
  assert.ok(value(before, 'driftless_reconcile_total{kind="Kustomization",result="success"}') >= 1);
  assert.ok(
    value(before, `driftless_reconcile_errors_total{kind="Kustomization",reason="${reason}"}`) >= 1,
    `errors counted by the Ready reason ${reason}`,
  );
  const count = (t: string): number => value(t, 'driftless_commit_to_applied_seconds_count{kind="Kustomization"}') || 0;

  // A new commit applied is one commit-to-applied observation.
  const sha = await env.commit('mon', { 'app/cm.yaml': cm('2') }, 'second');
  await env.client.patch(gitRepoRef(ns, 'mon'), {
    metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': 'mon-1' } },
  });
  const second = await env.waitForReady(ksRef(ns, 'mon'), { messageIncludes: sha });
  assert.notEqual(second.status?.['lastAppliedRevision'], first.status?.['lastAppliedRevision']);
  const afterText = (await scrape()).text;
  assert.equal(count(afterText), count(before) + 1);
  assert.ok(value(afterText, 'driftless_commit_to_applied_seconds_sum{kind="Kustomization"}') >= 0);
});

test('every metric and label the assets reference is exposed by the engine', async () => {
  await env.waitForReady(ksRef(ns, 'mon'));
  const { families, labels } = await scrape();
  const known = new Set<string>();
  for (const [name, type] of families) {
    known.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) known.add(name + s);
  }
  const recorded = new Set((await loadRules()).flatMap((r) => (r.record ? [r.record] : [])));
  const missing: string[] = [];
  for (const { where, expr } of await allExpressions()) {
    for (const s of analyse(expr).selectors) {
      if (!known.has(s.metric) && !recorded.has(s.metric)) missing.push(`${where}: metric ${s.metric}`);
      const seen = labels.get(s.metric);
      for (const l of s.labels)
        if (seen && !seen.has(l)) missing.push(`${where}: label ${l} on ${s.metric} (seen: ${[...seen].join(', ')})`);
    }
  }
  assert.deepEqual(missing, []);
  // The check can fail: a made-up name is not exposed.
  assert.equal(known.has('driftless_reconcile_totals'), false);
  for (const name of [
    'flux_resource_info',
    'driftless_reconcile_total',
    'driftless_commit_to_applied_seconds',
    'driftless_image_automation_failures_total',
    'driftless_git_push_duration_seconds',
    'workqueue_depth',
  ]) {
    assert.ok(families.has(name), `${name} is exposed`);
  }
});
