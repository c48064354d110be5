// A Helm release's `status.inventory` as helm-controller builds it (internal/inventory): the objects of the
// stored release manifest in manifest order (hooks left out: Helm does not count them as release objects),
// namespaced ones without a namespace put in the release's, then the objects of the chart's crds/ files.
// Not sorted and not de-duplicated, as helm-controller; the ids come from the one inventory codec.
import { parseAllDocuments } from 'yaml';
import { objectToEntry, type InventoryEntry } from '../apply/inventory.ts';
import { isRecord } from '../util/is-record.ts';

/** The annotation that makes a template a hook (helm.sh/helm's release.HookAnnotation). */
export const HookAnnotation = 'helm.sh/hook';

/** An object of a manifest, as far as its inventory entry goes. */
export interface ManifestRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  hook: boolean;
}

/**
 * The Kubernetes objects of YAML or JSON documents, as fluxcd/pkg's ReadObjects: `*List` objects expanded to
 * their items, documents without apiVersion, kind or name and kustomize's own Kustomization dropped.
 * Throws when a document is not YAML (the message names the document's position).
 */
export function manifestRefs(yaml: string): ManifestRef[] {
  const out: ManifestRef[] = [];
  const add = (obj: unknown): void => {
    if (!isRecord(obj)) return;
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
    if (kind.endsWith('List') && Array.isArray(obj['items'])) {
      for (const item of obj['items']) add(item);
      return;
    }
    const metadata = isRecord(obj['metadata']) ? obj['metadata'] : {};
    const name = metadata['name'];
    if (!apiVersion || !kind || typeof name !== 'string' || !name) return;
    if (kind.toLowerCase() === 'kustomization' && apiVersion.startsWith('kustomize.config.k8s.io/')) return;
    const namespace = metadata['namespace'];
    const annotations = isRecord(metadata['annotations']) ? metadata['annotations'] : {};
    out.push({
      apiVersion,
      kind,
      name,
      ...(typeof namespace === 'string' && namespace ? { namespace } : {}),
      hook: HookAnnotation in annotations,
    });
  };
  for (const doc of parseAllDocuments(yaml)) {
    if (doc.errors.length > 0) throw new Error(`failed to parse manifest: ${doc.errors[0]?.message}`);
    add(doc.toJS());
  }
  return out;
}

/** Whether objects of a kind are namespaced; undefined when the cluster does not say (the kind is unknown). */
export type ScopeOf = (apiVersion: string, kind: string) => boolean | undefined;

/**
 * The inventory entries of a release: `manifest`'s objects minus hooks, namespaced ones defaulted to
 * `namespace` (`scopeOf` answers per kind; an unknown kind keeps its namespace as written and adds a warning,
 * as helm-controller's NamespaceCheckSkipped), then the objects of `crds` (cluster-scoped, as written).
 * Throws when the manifest or the CRDs are not YAML.
 */
export function releaseInventory(o: {
  /** The manifest, or its objects when the caller has parsed it already. */
  manifest: string | readonly ManifestRef[];
  crds: string;
  namespace: string;
  scopeOf: ScopeOf;
}): {
  entries: InventoryEntry[];
  warnings: string[];
} {
  const warnings: string[] = [];
  const warned = new Set<string>();
  const entries: InventoryEntry[] = [];
  for (const ref of typeof o.manifest === 'string' ? manifestRefs(o.manifest) : o.manifest) {
    if (ref.hook) continue;
    let namespace = ref.namespace;
    if (!namespace) {
      const namespaced = o.scopeOf(ref.apiVersion, ref.kind);
      if (namespaced === undefined) {
        if (!warned.has(ref.kind)) {
          warned.add(ref.kind);
          warnings.push(`failed to determine if ${ref.kind} is namespace scoped, skipping namespace`);
        }
      } else if (namespaced) namespace = o.namespace;
    }
    entries.push(objectToEntry({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace }));
  }
  let crds: ManifestRef[];
  try {
    crds = manifestRefs(o.crds);
  } catch (err) {
    throw new Error(`failed to parse CRDs: ${(err as Error).message}`, { cause: err });
  }
  for (const crd of crds)
    entries.push(
      objectToEntry({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.name, namespace: crd.namespace }),
    );
  return { entries, warnings };
}
