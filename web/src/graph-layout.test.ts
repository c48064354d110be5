import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRAW_LIMIT, drawnPart, layers } from './graph-layout.ts';

const node = (id: string) => ({ id });
const edge = (from: string, to: string) => ({ from, to });

test('layers: sources in column 0, each object one right of the furthest thing it needs', () => {
  const g = {
    nodes: ['git', 'a', 'b', 'c'].map(node),
    edges: [edge('a', 'git'), edge('b', 'git'), edge('b', 'a'), edge('c', 'b')],
  };
  assert.deepEqual(Object.fromEntries(layers(g)), { git: 0, a: 1, b: 2, c: 3 });
});

test('layers: a dependsOn cycle ends instead of looping', () => {
  const d = layers({ nodes: ['a', 'b'].map(node), edges: [edge('a', 'b'), edge('b', 'a')] });
  assert.equal(d.size, 2);
});

test('layers: a chain of 20,000 does not overflow the stack', () => {
  const n = 20_000;
  const nodes = Array.from({ length: n }, (_, i) => node(`k${i}`));
  const edges = Array.from({ length: n - 1 }, (_, i) => edge(`k${i + 1}`, `k${i}`));
  const d = layers({ nodes: [...nodes].reverse(), edges });
  assert.equal(d.get(`k${n - 1}`), n - 1);
});

test('drawnPart: everything under the limit, nothing said to be left out', () => {
  const g = { nodes: ['git', 'a', 'b'].map(node), edges: [edge('a', 'git'), edge('b', 'git')] };
  const d = drawnPart(g, 10);
  assert.deepEqual(
    d.nodes.map((n) => n.id),
    ['git', 'a', 'b'],
  );
  assert.equal(d.edges.length, 2);
  assert.equal(d.limited, false);
  assert.equal(d.matching, 3);
});

test('drawnPart: over the limit, the first nodes in order with what they need, edges only between drawn ones', () => {
  // The benchmark's shape: one source, every seventh object waits for the one before.
  const nodes = [node('GitRepository/ns/repo')];
  const edges = [];
  for (let i = 0; i < 5000; i++) {
    const id = `Kustomization/ns/app-${String(i).padStart(4, '0')}`;
    nodes.push(node(id));
    edges.push(edge(id, 'GitRepository/ns/repo'));
    if (i > 0 && i % 7 === 0) edges.push(edge(id, `Kustomization/ns/app-${String(i - 1).padStart(4, '0')}`));
  }
  const d = drawnPart({ nodes, edges });
  assert.equal(d.nodes.length, DRAW_LIMIT);
  assert.equal(d.limited, true);
  assert.equal(d.matching, 5001);
  assert.equal(d.nodes[0]!.id, 'GitRepository/ns/repo');
  assert.ok(d.nodes.some((n) => n.id === 'Kustomization/ns/app-0007'));
  const drawn = new Set(d.nodes.map((n) => n.id));
  assert.ok(d.edges.every((e) => drawn.has(e.from) && drawn.has(e.to)));
  assert.ok(d.edges.some((e) => e.from === 'Kustomization/ns/app-0007' && e.to === 'Kustomization/ns/app-0006'));
});

test('drawnPart: a filter draws the matching nodes and what they need, even late in the order', () => {
  const g = {
    nodes: ['git', 'a', 'b', 'z-late'].map(node),
    edges: [edge('a', 'git'), edge('b', 'a'), edge('z-late', 'b')],
  };
  const d = drawnPart(g, 10, 'LATE');
  assert.deepEqual(
    d.nodes.map((n) => n.id),
    ['git', 'a', 'b', 'z-late'],
  );
  assert.equal(d.matching, 1);
  assert.equal(d.limited, false);
  assert.equal(drawnPart(g, 10, 'nothing').nodes.length, 0);
});

test('drawnPart: a chain longer than the limit still draws the node and as much of its chain as fits', () => {
  const g = {
    nodes: ['a', 'b', 'c', 'd'].map(node),
    edges: [edge('d', 'c'), edge('c', 'b'), edge('b', 'a')],
  };
  const d = drawnPart(g, 2, 'd');
  assert.deepEqual(
    d.nodes.map((n) => n.id),
    ['c', 'd'],
  );
  assert.deepEqual(d.edges, [edge('d', 'c')]);
});
