// The dependency graph, drawn as plain SVG: sources on the left, what takes their artifacts to the right,
// `dependsOn` as dashed arrows. Each node says its status by icon and word (its border colour only
// repeats it); the same edges are listed in words below the drawing.
import { useEffect, useState } from 'preact/hooks';
import { fetchGraph, type Graph, type GraphNode } from './api.ts';
import { subscribe } from './live.ts';
import { objectHref } from './router.ts';
import { StatusBadge, statusIcon, statusWord } from './status.tsx';

const W = 230;
const H = 48;
const GAP_X = 70;
const GAP_Y = 14;
const PAD = 12;

/** Column of each node: 0 when it needs nothing, else one right of the furthest thing it needs. */
export function layers(g: Graph): Map<string, number> {
  const needs = new Map<string, string[]>();
  for (const e of g.edges) needs.set(e.from, [...(needs.get(e.from) ?? []), e.to]);
  const depth = new Map<string, number>();
  const visit = (id: string, path: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (path.has(id)) return 0; // a dependsOn cycle: Flux refuses it, the drawing must not loop
    path.add(id);
    const d = Math.max(-1, ...(needs.get(id) ?? []).map((n) => visit(n, path))) + 1;
    path.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const n of g.nodes) visit(n.id, new Set());
  return depth;
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function GraphPage({ namespace }: { namespace: string }) {
  const [graph, setGraph] = useState<Graph | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    const load = (): void => {
      fetchGraph(namespace)
        .then((g) => {
          setGraph(g);
          setError('');
        })
        .catch((e: unknown) => setError(String(e)));
    };
    load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = subscribe({
      objects: () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          load();
        }, 1000);
      },
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [namespace]);
  if (error) return <p role="alert">{error}</p>;
  if (!graph) return <p class="loading">Loading…</p>;
  const depth = layers(graph);
  const columns: GraphNode[][] = [];
  for (const n of graph.nodes) (columns[depth.get(n.id) ?? 0] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) =>
    col.forEach((n, r) => pos.set(n.id, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) })),
  );
  const width = PAD * 2 + Math.max(1, columns.length) * (W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const label = (id: string): string => {
    const n = byId.get(id);
    return n ? `${n.kind} ${n.namespace}/${n.name}` : id;
  };
  return (
    <div>
      <h1>Dependencies</h1>
      <p class="muted">
        Arrows point from what is needed to what needs it: a solid arrow from a source to the object that applies its
        artifact, a dashed one from a dependency (<code>dependsOn</code>) to the object that waits for it.
        {namespace ? ` Namespace ${namespace} only.` : ''}
      </p>
      {graph.nodes.length === 0 ? (
        <p class="muted">No object refers to another yet.</p>
      ) : (
        <div class="graph-wrap">
          <svg
            width={width}
            height={height}
            viewBox={`0 0 ${width} ${height}`}
            role="img"
            aria-label={`Dependency graph of ${graph.nodes.length} objects; the same is listed below`}
          >
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto">
                <path class="arrow" d="M0,0 L10,5 L0,10 z" />
              </marker>
            </defs>
            {graph.edges.map((e) => {
              const a = pos.get(e.to);
              const b = pos.get(e.from);
              if (!a || !b) return null;
              const x1 = a.x + W;
              const y1 = a.y + H / 2;
              const x2 = b.x;
              const y2 = b.y + H / 2;
              const mid = (x1 + x2) / 2;
              return (
                <path
                  key={`${e.from}>${e.to}>${e.type}`}
                  class={`edge edge-${e.type}`}
                  d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                  marker-end="url(#arrow)"
                />
              );
            })}
            {graph.nodes.map((n) => {
              const p = pos.get(n.id)!;
              return (
                <a
                  key={n.id}
                  href={objectHref(n.kind, n.namespace, n.name)}
                  class={`node node-${n.status}`}
                  data-id={n.id}
                >
                  <title>{`${n.kind} ${n.namespace}/${n.name}: ${n.missing ? 'not found' : statusWord(n.status)}`}</title>
                  <rect x={p.x} y={p.y} width={W} height={H} rx={6} />
                  <text x={p.x + 8} y={p.y + 18}>
                    {`${statusIcon(n.status)} ${n.missing ? 'Not found' : statusWord(n.status)} · ${n.kind}`}
                  </text>
                  <text x={p.x + 8} y={p.y + 36}>
                    {cut(`${n.namespace}/${n.name}`, 32)}
                  </text>
                </a>
              );
            })}
          </svg>
        </div>
      )}
      <h2>In words</h2>
      <ul class="graph-edges">
        {graph.edges.map((e) => (
          <li key={`${e.from}>${e.to}>${e.type}`}>
            <a href={objectHref(...(e.from.split('/') as [string, string, string]))}>{label(e.from)}</a>{' '}
            {byId.get(e.from) && <StatusBadge status={byId.get(e.from)!.status} />}{' '}
            {e.type === 'source' ? 'takes its artifact from' : 'waits for'} {label(e.to)}{' '}
            {byId.get(e.to) &&
              (byId.get(e.to)!.missing ? <span>(not found)</span> : <StatusBadge status={byId.get(e.to)!.status} />)}
          </li>
        ))}
      </ul>
    </div>
  );
}
