// The dependency graph, drawn as plain SVG: sources on the left, what takes their artifacts to the right,
// `dependsOn` as dashed arrows. Each node says its status by icon and word (its border colour only
// repeats it); the same edges are listed in words below the drawing. Above DRAW_LIMIT objects only a part
// is drawn, said in a notice, with a name filter to pick which part; the list in words stays whole.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { fetchGraph, type Graph, type GraphEdge, type GraphNode } from './api.ts';
import { DRAW_LIMIT, drawnPart, layers } from './graph-layout.ts';
import { subscribe } from './live.ts';
import { objectHref } from './router.ts';
import { StatusBadge, statusIcon, statusWord } from './status.tsx';

const W = 230;
const H = 48;
const GAP_X = 70;
const GAP_Y = 14;
const PAD = 12;

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The edge list is split into lists of this many, each skipped by the browser's layout while off screen. */
const LIST_CHUNK = 250;

const chunks = <T,>(xs: T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

export function GraphPage({ namespace }: { namespace: string }) {
  const [graph, setGraph] = useState<Graph | undefined>();
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  // The same element while the graph is unchanged, so typing in the filter does not re-render thousands of items.
  const edgeList = useMemo(() => graph && <EdgeList graph={graph} />, [graph]);
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
  const drawn = drawnPart(graph, DRAW_LIMIT, filter);
  const depth = layers(drawn);
  const columns: GraphNode[][] = [];
  for (const n of drawn.nodes) (columns[depth.get(n.id) ?? 0] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) =>
    col.forEach((n, r) => pos.set(n.id, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) })),
  );
  const width = PAD * 2 + Math.max(1, columns.length) * (W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  return (
    <div>
      <h1>Dependencies</h1>
      <p class="muted">
        Arrows point from what is needed to what needs it: a solid arrow from a source to the object that applies its
        artifact, a dashed one from a dependency (<code>dependsOn</code>) to the object that waits for it.
        {namespace ? ` Namespace ${namespace} only.` : ''}
      </p>
      {(graph.nodes.length > DRAW_LIMIT || filter) && (
        <>
          <p class="graph-limit" role="note" aria-live="polite">
            {`This graph has ${count(graph.nodes.length, 'object', 'objects')}; at most ${DRAW_LIMIT} are drawn. `}
            {drawn.limited
              ? `The drawing shows ${count(drawn.nodes.length, 'object', 'objects')}: the first ${filter ? 'matching ' : ''}ones by kind, namespace and name, each with what it needs. `
              : `The drawing shows the ${count(drawn.matching, 'matching object', 'matching objects')} and what ${drawn.matching === 1 ? 'it needs' : 'they need'}. `}
            {`Type part of a kind, namespace or name to draw others. All ${count(graph.edges.length, 'link', 'links')} are listed in words below.`}
          </p>
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <label>
              Draw objects whose kind, namespace or name contains{' '}
              <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
            </label>
          </form>
        </>
      )}
      {graph.nodes.length === 0 ? (
        <p class="muted">No object refers to another yet.</p>
      ) : drawn.nodes.length === 0 ? (
        <p class="muted">No object matches “{filter}”.</p>
      ) : (
        <div class="graph-wrap">
          <svg
            width={width}
            height={height}
            viewBox={`0 0 ${width} ${height}`}
            role="img"
            aria-label={`Dependency graph of ${drawn.nodes.length} of ${graph.nodes.length} objects; every link is listed below`}
          >
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto">
                <path class="arrow" d="M0,0 L10,5 L0,10 z" />
              </marker>
            </defs>
            {drawn.edges.map((e) => {
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
            {drawn.nodes.map((n) => {
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
      {edgeList}
    </div>
  );
}

/** Every edge in words, whatever the drawing shows. */
function EdgeList({ graph }: { graph: Graph }) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const label = (id: string): string => {
    const n = byId.get(id);
    return n ? `${n.kind} ${n.namespace}/${n.name}` : id;
  };
  const item = (e: GraphEdge) => {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    return (
      <li key={`${e.from}>${e.to}>${e.type}`}>
        <a href={objectHref(...(e.from.split('/') as [string, string, string]))}>{label(e.from)}</a>{' '}
        {from && <StatusBadge status={from.status} />} {e.type === 'source' ? 'takes its artifact from' : 'waits for'}{' '}
        {label(e.to)} {to && (to.missing ? <span>(not found)</span> : <StatusBadge status={to.status} />)}
      </li>
    );
  };
  return (
    <div class="graph-edges">
      {chunks(graph.edges, LIST_CHUNK).map((part, i) => (
        <ul key={i}>{part.map(item)}</ul>
      ))}
    </div>
  );
}
