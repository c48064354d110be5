import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workersStarted } from './engines.ts';

const line = (msg: string, controller: string): string =>
  JSON.stringify({ level: 'info', ts: '2026-12-03T12:02:57.929Z', msg, controller, worker_count: 4 });

test('workersStarted: Driftless once it logged that its controllers started', () => {
  assert.equal(workersStarted('{"level":"info","msg":"caches synced"}\n'), false);
  assert.equal(workersStarted('{"level":"info","msg":"controllers started","controllers":["kustomization"]}\n'), true);
});

test('workersStarted: a Flux binary once every controller that started an event source runs its workers', () => {
  const started = [line('Starting EventSource', 'gitrepository'), line('Starting EventSource', 'bucket')];
  assert.equal(workersStarted(''), false, 'nothing logged yet');
  assert.equal(workersStarted(started.join('\n')), false, 'caches not synced');
  assert.equal(workersStarted([...started, line('Starting workers', 'gitrepository')].join('\n')), false);
  assert.equal(
    workersStarted(
      [...started, line('Starting workers', 'gitrepository'), line('Starting workers', 'bucket')].join('\n'),
    ),
    true,
  );
});
