import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeClient, WatchOptions } from '../kube/client.ts';
import type { KubeObject, ListOptions } from '../kube/types.ts';
import { Informer } from './informer.ts';
import { createLogger } from './logger.ts';

const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

type ScriptedClient = KubeClient & {
  listCalls: number;
  /** The page size each list asked for (0: the whole list in one answer). */
  listLimits: (number | undefined)[];
  watchRvs: string[];
  /** Resolves once the informer idles in an unscripted watch: everything before it has been applied. */
  idle: Promise<void>;
};

/**
 * A scripted stand-in for the list/watch calls only (pure informer logic). After the scripted
 * watches, the next watch blocks until abort; the informer only gets there once it has applied
 * every list and event before it, so `idle` is the point to assert at.
 */
function scriptedClient(script: {
  lists: KubeObject[][];
  watches: ((o: WatchOptions) => Promise<void>)[];
}): ScriptedClient {
  let list = 0;
  let watch = 0;
  let markIdle = (): void => {};
  const c = {
    listCalls: 0,
    listLimits: [] as (number | undefined)[],
    watchRvs: [] as string[],
    idle: new Promise<void>((r) => (markIdle = r)),
    async list(_a: string, _k: string, o: ListOptions) {
      c.listCalls++;
      c.listLimits.push(o.limit);
      const items = script.lists[Math.min(list++, script.lists.length - 1)] ?? [];
      return { items, resourceVersion: String(100 + list) };
    },
    async watch(_a: string, _k: string, o: WatchOptions) {
      c.watchRvs.push(o.resourceVersion);
      const step = script.watches[watch++];
      if (step) return step(o);
      markIdle();
      await new Promise<void>((r) => o.signal.addEventListener('abort', () => r(), { once: true }));
    },
  };
  return c as unknown as ScriptedClient;
}

/** Waits for `p`, failing after `ms` with `what` instead of hanging the run. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('relists on 410 Gone and reconciles the store against the fresh list', async () => {
  const client = scriptedClient({
    lists: [[cm('a', '1'), cm('b', '1')], [cm('a', '2')]],
    watches: [
      async (o) => {
        o.onEvent({ type: 'MODIFIED', object: cm('a', '5') });
        throw new KubeApiError({ status: 410, reason: 'Expired', message: 'too old resource version' });
      },
    ],
  });
  const informer = new Informer({
    client,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    logger: createLogger({ level: 'silent' }),
    sleep: async () => {},
  });
  const seen: string[] = [];
  informer.addHandlers({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}@${n.metadata.resourceVersion}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  await informer.waitForSync();
  await within(5_000, 'the relist after 410 and the watch after it', client.idle);
  ac.abort();
  await running;
  assert.equal(client.listCalls, 2, 'listed again after 410');
  assert.deepEqual(client.listLimits, [0, 0], 'each list in one answer, not pages');
  assert.deepEqual(client.watchRvs.slice(0, 2), ['101', '102'], 'each watch resumes from the list resourceVersion');
  assert.deepEqual(seen, ['add a', 'add b', 'update a@5', 'update a@2', 'delete b']);
  assert.deepEqual(
    informer.list().map((o) => o.metadata.name),
    ['a'],
  );
});

test('resumes a closed watch from the last seen resourceVersion without relisting', async () => {
  const client = scriptedClient({
    lists: [[cm('a', '1')]],
    watches: [async (o) => o.onEvent({ type: 'ADDED', object: cm('c', '7') })],
  });
  const informer = new Informer({
    client,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    logger: createLogger({ level: 'silent' }),
    sleep: async () => {},
  });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  await within(5_000, 'the watch resumed after the closed one', client.idle);
  ac.abort();
  await running;
  assert.equal(client.listCalls, 1);
  assert.deepEqual(client.watchRvs, ['101', '7']);
  assert.ok(informer.get('ns/c'));
});

test('indexes follow adds, updates, deletes and relists', async () => {
  const labelled = (name: string, rv: string, app: string): KubeObject => ({
    ...cm(name, rv),
    metadata: { ...cm(name, rv).metadata, labels: { app } },
  });
  const client = scriptedClient({
    lists: [[labelled('a', '1', 'web'), labelled('b', '1', 'web')], [labelled('b', '3', 'db')]],
    watches: [
      async (o) => {
        o.onEvent({ type: 'MODIFIED', object: labelled('a', '2', 'db') });
        o.onEvent({ type: 'ADDED', object: labelled('c', '2', 'web') });
        throw new KubeApiError({ status: 410, reason: 'Expired', message: 'too old resource version' });
      },
    ],
  });
  const informer = new Informer({
    client,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    logger: createLogger({ level: 'silent' }),
    sleep: async () => {},
  });
  informer.addIndex('app', (o) => [o.metadata.labels?.['app'] ?? '']);
  const abort = new AbortController();
  const run = informer.run(abort.signal);
  await informer.waitForSync();
  await within(5_000, 'the relist after 410 and the watch after it', client.idle);
  assert.equal(client.listCalls, 2);
  // After the relist only b (now db) is left: a and c were gone from the fresh list.
  assert.deepEqual(informer.keysByIndex('app', 'db'), ['ns/b']);
  assert.deepEqual(informer.keysByIndex('app', 'web'), []);
  assert.throws(() => informer.keysByIndex('nope', 'x'), /no index named nope/);
  abort.abort();
  await run;
});

test('the cache keeps who wrote an object and when, not the fieldsV1 trees of its managedFields', async () => {
  const written: KubeObject = {
    ...cm('a', '1'),
    metadata: {
      ...cm('a', '1').metadata,
      managedFields: [
        {
          manager: 'kustomize-controller',
          operation: 'Apply',
          time: '2026-01-01T00:00:00Z',
          fieldsV1: { 'f:data': {} },
        },
        { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-02T00:00:00Z', fieldsV1: { 'f:data': {} } },
      ],
    },
  };
  const client = scriptedClient({ lists: [[written]], watches: [] });
  const inf = new Informer({ client, apiVersion: 'v1', kind: 'ConfigMap', logger: createLogger({ level: 'silent' }) });
  const added: KubeObject[] = [];
  inf.addHandlers({ onAdd: (o) => added.push(o) });
  const abort = new AbortController();
  const running = inf.run(abort.signal);
  await within(2000, 'the first list', client.idle);
  const expected = [
    { manager: 'kustomize-controller', operation: 'Apply', time: '2026-01-01T00:00:00Z' },
    { manager: 'kubectl-edit', operation: 'Update', time: '2026-01-02T00:00:00Z' },
  ];
  assert.deepEqual(inf.get('ns/a')?.metadata.managedFields, expected);
  assert.deepEqual(added[0]?.metadata.managedFields, expected, 'handlers see the cached form');
  assert.ok(written.metadata.managedFields?.[0] && 'fieldsV1' in written.metadata.managedFields[0], 'input untouched');
  abort.abort();
  await running;
});
