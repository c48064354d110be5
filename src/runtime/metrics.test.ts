import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Controller } from './controller.ts';
import { createLogger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';

const silent = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

test('a controller has zero reconcile and error series from the start, as in controller-runtime', async () => {
  const metrics = new RuntimeMetrics({ processMetrics: false });
  new Controller({
    name: 'kustomization',
    reconciler: { reconcile: () => Promise.resolve({}) },
    logger: silent,
    metrics,
  });
  const text = await metrics.registry.metrics();
  assert.match(text, /^controller_runtime_reconcile_errors_total\{controller="kustomization"\} 0$/m);
  for (const result of ['error', 'requeue', 'requeue_after', 'success']) {
    assert.match(
      text,
      new RegExp(`^controller_runtime_reconcile_total\\{controller="kustomization",result="${result}"\\} 0$`, 'm'),
    );
  }
});

test('a failed reconcile counts on the series created at zero', async () => {
  const metrics = new RuntimeMetrics({ processMetrics: false });
  const controller = new Controller({
    name: 'gitrepository',
    reconciler: { reconcile: () => Promise.reject(new Error('boom')) },
    logger: silent,
    metrics,
    concurrency: 1,
  });
  controller.enqueue('ns/a');
  const stop = new AbortController();
  controller.start(stop.signal);
  const deadline = Date.now() + 5000;
  let errors = 0;
  while (errors === 0 && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    errors =
      (await metrics.reconcileErrors.get()).values.find((v) => v.labels.controller === 'gitrepository')?.value ?? 0;
  }
  stop.abort();
  await controller.stop(1000);
  assert.equal(errors, 1);
});
