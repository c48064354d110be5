import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiServerDelta, parseApiServerMetrics } from './shards.ts';

const metrics = (scale: number): string =>
  [
    '# HELP apiserver_request_total Counter of apiserver requests',
    `apiserver_request_total{code="200",resource="configmaps",verb="PATCH"} ${10 * scale}`,
    `apiserver_request_total{code="201",resource="events",verb="POST"} ${5 * scale}`,
    `apiserver_request_total{code="200",resource="configmaps",verb="LIST"} 0`,
    `apiserver_request_duration_seconds_sum{resource="configmaps",verb="PATCH"} ${0.5 * scale}`,
    `apiserver_request_duration_seconds_count{resource="configmaps",verb="PATCH"} ${10 * scale}`,
    `apiserver_request_duration_seconds_sum{resource="configmaps",verb="WATCH"} ${900 * scale}`,
    `apiserver_request_duration_seconds_count{resource="configmaps",verb="WATCH"} ${2 * scale}`,
    `apiserver_request_duration_seconds_bucket{resource="configmaps",verb="PATCH",le="0.1"} ${10 * scale}`,
    `apiserver_flowcontrol_request_wait_duration_seconds_sum{priority_level="workload-low"} ${0.2 * scale}`,
    `apiserver_flowcontrol_request_wait_duration_seconds_count{priority_level="workload-low"} ${4 * scale}`,
    `apiserver_flowcontrol_rejected_requests_total{priority_level="workload-low",reason="queue-full"} ${scale - 1}`,
  ].join('\n');

test('the API server reading sums every label set and leaves the long-running verbs out of the latency', () => {
  assert.deepEqual(parseApiServerMetrics(metrics(1)), {
    requests: 15,
    durationSum: 0.5,
    durationCount: 10,
    waitSum: 0.2,
    waitCount: 4,
    rejected: 0,
    writes: { configmaps: 10, events: 5 },
  });
});

test('between two readings: requests served, mean latency and queue wait in ms, rejections', () => {
  const d = apiServerDelta(parseApiServerMetrics(metrics(1)), parseApiServerMetrics(metrics(3)));
  assert.equal(d.requests, 30);
  assert.ok(Math.abs((d.meanLatencyMs ?? 0) - 50) < 1e-9);
  assert.ok(Math.abs((d.meanWaitMs ?? 0) - 50) < 1e-9);
  assert.equal(d.rejected, 2);
  assert.equal(apiServerDelta(parseApiServerMetrics(''), parseApiServerMetrics('')).meanLatencyMs, undefined);
});
