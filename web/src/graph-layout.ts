// Pure layout of the dependency graph (no DOM): which nodes are drawn when there are too many, and the
// column of each. Kept apart from graph.tsx so `npm run test:unit` tests it in Node.

/**
 * At most this many objects are drawn. A drawing of thousands of boxes is slow to render (5,001 took
 * 3.2 s in bench/dashboard.ts) and unreadable; above the limit the page says so, offers a name filter,
 * and still lists every edge in words.
 */
export const DRAW_LIMIT = 200;

export interface LayoutGraph<N extends { id: string }, E extends { from: string; to: string }> {
  nodes: N[];
  edges: E[];
}

/** Column of each node: 0 when it needs nothing, else one right of the furthest thing it needs. */
export function layers(g: LayoutGraph<{ id: string }, { from: string; to: string }>): Map<string, number> {
  const needs = new Map<string, string[]>();
  for (const e of g.edges) {
    const list = needs.get(e.from);
    if (list) list.push(e.to);
    else needs.set(e.from, [e.to]);
  }
  const depth = new Map<string, number>();
  const onPath = new Set<string>();
  // Depth-first with an explicit stack, so a long dependsOn chain cannot overflow the call stack.
  for (const root of g.nodes) {
    if (depth.has(root.id)) continue;
    const stack: { id: string; next: number; best: number }[] = [{ id: root.id, next: 0, best: -1 }];
    onPath.add(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const list = needs.get(top.id) ?? [];
      if (top.next < list.length) {
        const n = list[top.next++]!;
        const known = depth.get(n);
        if (known !== undefined) top.best = Math.max(top.best, known);
        else if (onPath.has(n))
          top.best = Math.max(top.best, 0); // a dependsOn cycle: Flux refuses it, the drawing must not loop
        else {
          onPath.add(n);
          stack.push({ id: n, next: 0, best: -1 });
        }
        continue;
      }
      stack.pop();
      onPath.delete(top.id);
      const d = top.best + 1;
      depth.set(top.id, d);
      const parent = stack[stack.length - 1];
      if (parent) parent.best = Math.max(parent.best, d);
    }
  }
  return depth;
}

export interface Drawn<N, E> {
  /** The nodes to draw, in the graph's order. */
  nodes: N[];
  /** The edges whose two ends are both drawn. */
  edges: E[];
  /** How many nodes match the filter (all of them without one). */
  matching: number;
  /** True when some matching node is not drawn because of the limit. */
  limited: boolean;
}

/**
 * The part of the graph to draw: the nodes whose id contains `filter` (case-insensitive; all without one),
 * in the graph's order, each followed by what it needs (its source, its dependencies, transitively) so its
 * arrows are complete, until `limit` nodes are chosen. Edges are kept when both ends are drawn; the page
 * lists every edge in words, so nothing left out of the drawing is hidden.
 */
export function drawnPart<N extends { id: string }, E extends { from: string; to: string }>(
  g: LayoutGraph<N, E>,
  limit: number = DRAW_LIMIT,
  filter = '',
): Drawn<N, E> {
  const needle = filter.trim().toLowerCase();
  const matches = needle ? g.nodes.filter((n) => n.id.toLowerCase().includes(needle)) : g.nodes;
  const needs = new Map<string, string[]>();
  for (const e of g.edges) {
    const list = needs.get(e.from);
    if (list) list.push(e.to);
    else needs.set(e.from, [e.to]);
  }
  const known = new Set(g.nodes.map((n) => n.id));
  const chosen = new Set<string>();
  for (const n of matches) {
    if (chosen.size >= limit) break;
    // Breadth-first from the node through what it needs, while there is room.
    const queue = [n.id];
    for (let i = 0; i < queue.length && chosen.size < limit; i++) {
      const id = queue[i]!;
      if (chosen.has(id) || !known.has(id)) continue;
      chosen.add(id);
      queue.push(...(needs.get(id) ?? []));
    }
  }
  const nodes = g.nodes.filter((n) => chosen.has(n.id));
  const edges = g.edges.filter((e) => chosen.has(e.from) && chosen.has(e.to));
  return { nodes, edges, matching: matches.length, limited: matches.some((n) => !chosen.has(n.id)) };
}
