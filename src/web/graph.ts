// The dependency graph across the cluster: which object takes its artifact from which source, and which
// waits for which (`dependsOn`), read from the informer caches. Each node carries its status.
import type { KubeObject } from '../kube/types.ts';
import { statusOf, type ObjectStatus } from './status.ts';

export interface NodeRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface GraphNode extends NodeRef {
  id: string;
  status: ObjectStatus;
  /** Named by an edge but not in any cache (deleted, or a kind this engine does not serve). */
  missing?: true;
}

/** `from` needs `to`: it takes its artifact from it (`source`) or waits for it to be ready (`dependsOn`). */
export interface GraphEdge {
  from: string;
  to: string;
  type: 'source' | 'dependsOn';
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const nodeId = (r: NodeRef): string => `${r.kind}/${r.namespace}/${r.name}`;

type Ref = { kind?: unknown; name?: unknown; namespace?: unknown };
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The object an object takes its artifact from, as `flux reconcile --with-source` resolves it: a
 * HelmRelease's chart template becomes the HelmChart `<namespace>-<name>` in the chart source's namespace.
 */
export function sourceRefOf(obj: KubeObject): NodeRef | undefined {
  const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
  const ns = obj.metadata.namespace ?? '';
  const ref = (r: unknown, sameNamespace = false): NodeRef | undefined => {
    const x = (r ?? {}) as Ref;
    if (!str(x.kind) || !str(x.name)) return undefined;
    return { kind: str(x.kind), name: str(x.name), namespace: sameNamespace ? ns : str(x.namespace) || ns };
  };
  switch (obj.kind) {
    case 'HelmRelease': {
      const chart = spec['chart'] as { spec?: { sourceRef?: Ref } } | undefined;
      if (!chart) return ref(spec['chartRef']);
      return {
        kind: 'HelmChart',
        name: `${ns}-${obj.metadata.name}`,
        namespace: str(chart.spec?.sourceRef?.namespace) || ns,
      };
    }
    case 'HelmChart':
      return ref(spec['sourceRef'], true);
    case 'ImagePolicy':
      return ref({ kind: 'ImageRepository', ...(spec['imageRepositoryRef'] as object | undefined) });
    default:
      return ref(spec['sourceRef']);
  }
}

/** The objects of the same kind an object waits for (`spec.dependsOn`). */
export function dependsOnOf(obj: KubeObject): NodeRef[] {
  const deps = (obj['spec'] as { dependsOn?: Ref[] } | undefined)?.dependsOn;
  if (!Array.isArray(deps)) return [];
  return deps
    .filter((d) => str(d?.name))
    .map((d) => ({ kind: obj.kind, name: str(d.name), namespace: str(d.namespace) || (obj.metadata.namespace ?? '') }));
}

/**
 * The graph of every object with an edge (objects that neither need nor are needed are left out, so
 * thousands of lone sources do not crowd it), optionally within one namespace.
 */
export function buildGraph(
  objects: Iterable<KubeObject>,
  find: (r: NodeRef) => KubeObject | undefined,
  opts: { namespace?: string } = {},
): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (r: NodeRef, obj: KubeObject | undefined): string => {
    const id = nodeId(r);
    if (!nodes.has(id))
      nodes.set(id, {
        id,
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        status: obj ? statusOf(obj) : 'unknown',
        ...(obj ? {} : { missing: true as const }),
      });
    return id;
  };
  for (const obj of objects) {
    const self = { kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
    if (opts.namespace && self.namespace !== opts.namespace) continue;
    const needs: [NodeRef, GraphEdge['type']][] = dependsOnOf(obj).map((d) => [d, 'dependsOn']);
    const src = sourceRefOf(obj);
    if (src) needs.push([src, 'source']);
    if (needs.length === 0) continue;
    const from = add(self, obj);
    for (const [r, type] of needs) edges.push({ from, to: add(r, find(r)), type });
  }
  return { nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges };
}
