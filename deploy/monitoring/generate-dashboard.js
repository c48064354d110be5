// Writes dashboards/driftless.json, the Grafana dashboard for Driftless (Grafana 10+, schemaVersion 39).
// Run `node deploy/monitoring/generate-dashboard.js` after editing; `--check` exits 1 when the file
// is out of date (the monitoring test runs it). Panels query raw metrics, not recording rules, so
// the dashboard works without the PrometheusRule installed.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { panelBuilder } from './dashboard-panels.js';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards', 'driftless.json');
const ds = { type: 'prometheus', uid: '${datasource}' };
const ns = 'exported_namespace=~"$namespace"';
const ri = '$__rate_interval';
const { row, stat, timeseries, table, quantiles } = panelBuilder(ds);

const panels = [
  row('Overview'),
  stat(
    'Flux objects',
    'Every Flux object Driftless serves (flux_resource_info).',
    `count(flux_resource_info{${ns}}) or vector(0)`,
  ),
  stat(
    'Not ready',
    'Objects whose Ready condition is False (suspended ones excluded).',
    `count(flux_resource_info{ready="False",suspended="False",${ns}}) or vector(0)`,
    {
      thresholds: [
        { color: 'green', value: null },
        { color: 'red', value: 1 },
      ],
    },
  ),
  stat(
    'Suspended',
    'Objects with spec.suspend: true.',
    `count(flux_resource_info{suspended="True",${ns}}) or vector(0)`,
    {
      thresholds: [
        { color: 'green', value: null },
        { color: 'yellow', value: 1 },
      ],
    },
  ),
  stat(
    'Reconcile success (1h)',
    'M1: share of finished reconciles that ended Ready=True over the last hour, all kinds.',
    'sum(increase(driftless_reconcile_total{result="success"}[1h])) / sum(increase(driftless_reconcile_total[1h]))',
    {
      unit: 'percentunit',
      thresholds: [
        { color: 'red', value: null },
        { color: 'yellow', value: 0.9 },
        { color: 'green', value: 0.99 },
      ],
    },
  ),
  timeseries(
    'Objects by kind and readiness',
    'flux_resource_info counted by kind and Ready status.',
    [[`count by (kind, ready) (flux_resource_info{${ns}})`, '{{kind}} ready={{ready}}']],
    { w: 24, stack: true },
  ),

  row('Per-kind readiness'),
  timeseries(
    'Ready ratio by kind',
    "Share of each kind's (unsuspended) objects that are Ready.",
    [
      [
        `count by (kind) (flux_resource_info{ready="True",suspended="False",${ns}}) / count by (kind) (flux_resource_info{suspended="False",${ns}})`,
        '{{kind}}',
      ],
    ],
    { unit: 'percentunit', max: 1 },
  ),
  timeseries(
    'Not ready by kind and reason',
    'Objects with Ready=False by kind and Ready reason.',
    [[`count by (kind, reason) (flux_resource_info{ready="False",${ns}})`, '{{kind}} {{reason}}']],
    { stack: true },
  ),
  table(
    'Objects not ready',
    'Every object whose Ready condition is not True, with its reason and revision.',
    `flux_resource_info{ready!="True",${ns}}`,
    ['kind', 'exported_namespace', 'name', 'ready', 'reason', 'suspended', 'revision', 'source_name', 'url'],
  ),

  row('Reconcile'),
  timeseries(
    'Reconcile duration by controller',
    'controller_runtime_reconcile_time_seconds: p50 and p95 per controller.',
    quantiles('controller_runtime_reconcile_time_seconds', 'controller'),
    { unit: 's' },
  ),
  timeseries(
    'Reconciles by controller and result',
    'controller_runtime_reconcile_total per second.',
    [[`sum by (controller, result) (rate(controller_runtime_reconcile_total[${ri}]))`, '{{controller}} {{result}}']],
    { unit: 'ops' },
  ),
  timeseries(
    'Reconcile errors by controller',
    'controller_runtime_reconcile_errors_total per second (errors the runtime retried with backoff).',
    [[`sum by (controller) (rate(controller_runtime_reconcile_errors_total[${ri}]))`, '{{controller}}']],
    { unit: 'ops' },
  ),
  timeseries(
    'API server requests by code',
    'rest_client_requests_total per second by method and status code.',
    [[`sum by (method, code) (rate(rest_client_requests_total[${ri}]))`, '{{method}} {{code}}']],
    { unit: 'reqps' },
  ),

  row('Work queue'),
  timeseries(
    'Queue depth',
    'M8: keys waiting per controller queue (workqueue_depth).',
    [['sum by (name) (workqueue_depth)', '{{name}}']],
    { w: 8 },
  ),
  timeseries(
    'Time in queue',
    'workqueue_queue_duration_seconds: how long a key waits before a worker takes it.',
    quantiles('workqueue_queue_duration_seconds', 'name'),
    { w: 8, unit: 's' },
  ),
  timeseries(
    'Retries and longest running',
    'workqueue_retries_total per second and the longest running reconcile.',
    [
      [`sum by (name) (rate(workqueue_retries_total[${ri}]))`, 'retries {{name}}'],
      ['max by (name) (workqueue_longest_running_processor_seconds)', 'longest running {{name}} (s)'],
    ],
    { w: 8 },
  ),

  row('Service-level indicators'),
  timeseries(
    'M1 reconcile success ratio by kind',
    'driftless_reconcile_total: success / all finished reconciles (waiting on dependencies counts as neither).',
    [
      [
        `sum by (kind) (rate(driftless_reconcile_total{result="success"}[${ri}])) / sum by (kind) (rate(driftless_reconcile_total[${ri}]))`,
        '{{kind}}',
      ],
    ],
    { unit: 'percentunit', max: 1 },
  ),
  timeseries(
    'M2 commit to applied',
    'driftless_commit_to_applied_seconds: from the commit time in Git to the apply finishing, per newly applied revision (1h window: commits are rare).',
    quantiles('driftless_commit_to_applied_seconds', 'kind', '1h'),
    { unit: 's' },
  ),
  timeseries(
    'M3 drift detected and corrected',
    'driftless_drift_detected_total (reconciles that found drift) and driftless_drift_corrected_total (objects re-applied).',
    [
      [
        `sum by (exported_namespace, name) (increase(driftless_drift_detected_total{${ns}}[${ri}]))`,
        'detected {{exported_namespace}}/{{name}}',
      ],
      [
        `sum by (exported_namespace, name) (increase(driftless_drift_corrected_total{${ns}}[${ri}]))`,
        'corrected {{exported_namespace}}/{{name}}',
      ],
    ],
  ),
  timeseries(
    'M5 sync errors by reason',
    'driftless_reconcile_errors_total: failed reconciles by kind and Ready reason.',
    [[`sum by (kind, reason) (increase(driftless_reconcile_errors_total[${ri}]))`, '{{kind}} {{reason}}']],
    { stack: true },
  ),
  timeseries(
    'M4 image automation failures',
    'driftless_image_automation_failures_total: failed ImageRepository scans, ImagePolicy evaluations and ImageUpdateAutomation runs, by Ready reason.',
    [[`sum by (reason) (increase(driftless_image_automation_failures_total[${ri}]))`, '{{reason}}']],
    { stack: true },
  ),
  timeseries(
    'M7 Git write latency',
    'driftless_git_push_duration_seconds: how long the pushes of an image update automation run took (the redo after a moved branch included), successful or not.',
    [
      [`histogram_quantile(0.5, sum by (le) (rate(driftless_git_push_duration_seconds_bucket[1h])))`, 'p50'],
      [`histogram_quantile(0.95, sum by (le) (rate(driftless_git_push_duration_seconds_bucket[1h])))`, 'p95'],
    ],
    { unit: 's' },
  ),
  timeseries(
    'M10 notification delivery',
    'driftless_notification_delivery_total per second by provider type and result (sent, failed, retried, skipped).',
    [[`sum by (type, result) (rate(driftless_notification_delivery_total[${ri}]))`, '{{type}} {{result}}']],
    { unit: 'ops' },
  ),
  timeseries(
    'Webhooks and event intake',
    'driftless_receiver_requests_total and driftless_event_intake_total per second.',
    [
      [`sum by (type, result) (rate(driftless_receiver_requests_total[${ri}]))`, 'receiver {{type}} {{result}}'],
      [`sum by (outcome) (rate(driftless_event_intake_total[${ri}]))`, 'intake {{outcome}}'],
    ],
    { unit: 'reqps' },
  ),

  row('Process'),
  timeseries(
    'Event loop lag',
    'Node.js event loop lag (stands in for Go scheduler latency).',
    [
      ['max(nodejs_eventloop_lag_p99_seconds)', 'p99'],
      ['max(nodejs_eventloop_lag_mean_seconds)', 'mean'],
    ],
    { w: 8, unit: 's' },
  ),
  timeseries(
    'Memory',
    'Resident memory and V8 heap in use.',
    [
      ['sum(process_resident_memory_bytes)', 'resident'],
      ['sum(nodejs_heap_size_used_bytes)', 'heap used'],
    ],
    { w: 8, unit: 'bytes' },
  ),
  timeseries('CPU', 'CPU seconds used per second.', [[`sum(rate(process_cpu_seconds_total[${ri}]))`, 'cpu']], { w: 8 }),
];

const dashboard = {
  annotations: {
    list: [
      {
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      },
    ],
  },
  description: 'Driftless: Flux objects, reconcile latency, work queues and the GitOps service-level indicators.',
  editable: true,
  fiscalYearStartMonth: 0,
  graphTooltip: 1,
  links: [],
  panels,
  refresh: '30s',
  schemaVersion: 39,
  tags: ['driftless', 'flux', 'gitops'],
  templating: {
    list: [
      {
        current: {},
        hide: 0,
        includeAll: false,
        label: 'Data source',
        multi: false,
        name: 'datasource',
        options: [],
        query: 'prometheus',
        refresh: 1,
        regex: '',
        type: 'datasource',
      },
      {
        allValue: '.*',
        current: {},
        datasource: ds,
        definition: 'label_values(flux_resource_info, exported_namespace)',
        hide: 0,
        includeAll: true,
        label: 'Namespace',
        multi: true,
        name: 'namespace',
        options: [],
        query: {
          qryType: 1,
          query: 'label_values(flux_resource_info, exported_namespace)',
          refId: 'PrometheusVariableQueryEditor-VariableQuery',
        },
        refresh: 2,
        regex: '',
        sort: 1,
        type: 'query',
      },
    ],
  },
  time: { from: 'now-6h', to: 'now' },
  timepicker: {},
  timezone: 'browser',
  title: 'Driftless',
  uid: 'driftless-overview',
  version: 1,
};

// Formatted as the repository's prettier check expects.
const text = await prettier.format(JSON.stringify(dashboard), {
  ...(await prettier.resolveConfig(out)),
  filepath: out,
});
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== text) {
    console.error(`${out} is out of date: run node deploy/monitoring/generate-dashboard.js`);
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
