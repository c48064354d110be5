// Flux's Kustomization spec fields written into the kustomization file, editing the YAML in place.
import { Pair, Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { BuildError, ManifestError } from './errors.ts';
import { foldKey } from './kustomization-file.ts';
import { resolveInside } from './safe-path.ts';
import { parseYamlDocuments } from './yaml-documents.ts';

/** The fields of a Flux Kustomization spec that shape the build. */
export type KustomizeSpec = {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: { patch: string; target?: PatchTarget }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  components?: string[];
  ignoreMissingComponents?: boolean;
  buildMetadata?: string[];
  /** Applied to the built objects, not to the kustomization file. */
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** A kustomize patch selector, as in Flux's `spec.patches[].target`. */
export type PatchTarget = {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
};

/** True when the spec asks for any change to the kustomization file (commonMetadata is applied after the build). */
export function hasOverlays(spec: KustomizeSpec): boolean {
  return Boolean(
    spec.targetNamespace ||
    spec.namePrefix ||
    spec.nameSuffix ||
    spec.patches?.length ||
    spec.images?.length ||
    spec.components?.length ||
    spec.buildMetadata?.length,
  );
}

/**
 * Returns the kustomization text with the spec applied like Flux's generator: `namespace`, `namePrefix`,
 * `nameSuffix` and `buildMetadata` replaced when set; patches appended; images replacing the same-name entry or
 * appended; components appended, minus those missing under `dir` when `ignoreMissingComponents`. Existing values
 * keep their exact source text (the YAML is edited in place with every scalar read as a string), and case variants
 * of a field (`Patches`) are merged into it, as kustomize itself would read them. Throws ManifestError for
 * unparsable text and BuildError for a field of the wrong shape or `<<` merge keys.
 */
export async function applySpecOverlays(
  text: string,
  source: string,
  spec: KustomizeSpec,
  root: string,
  dir: string,
): Promise<string> {
  // The limits check first: parseDocument's composer is recursive. Failsafe re-emits existing scalars as written.
  parseYamlDocuments(text, { source, allStrings: true, merge: true });
  const doc: Document = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw new ManifestError({ source, message: error.message.split('\n')[0] ?? 'invalid YAML' });
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === '')) doc.contents = new YAMLMap();
  const map = doc.contents;
  if (!isMap(map)) throw new ManifestError({ source, message: 'is not a kustomization (expected a YAML map)' });
  if (map.items.some((p) => isScalar(p.key) && p.key.value === '<<')) {
    throw new BuildError({
      message: `${source}: '<<' merge keys cannot be combined with spec fields that edit the kustomization`,
    });
  }
  const edit = new Editor(doc, map, source);
  if (spec.targetNamespace) edit.setString('namespace', spec.targetNamespace);
  if (spec.namePrefix) edit.setString('namePrefix', spec.namePrefix);
  if (spec.nameSuffix) edit.setString('nameSuffix', spec.nameSuffix);
  if (spec.patches?.length) {
    const seq = edit.takeList('patches');
    for (const p of spec.patches) {
      seq.add(edit.mapOf(p.target ? { patch: p.patch, target: edit.mapOf(p.target) } : { patch: p.patch }));
    }
    map.set('patches', seq);
  }
  if (spec.images?.length) {
    const seq = edit.takeList('images');
    for (const image of spec.images) {
      const node = edit.mapOf(image);
      const at = seq.items.findIndex((item) => isMap(item) && item.get('name') === image.name);
      if (at >= 0) seq.items[at] = node;
      else seq.add(node);
    }
    map.set('images', seq);
  }
  if (spec.components?.length) {
    const kept: string[] = [];
    for (const component of spec.components) {
      const resolved = await resolveInside(root, dir, component);
      if (resolved.exists || !spec.ignoreMissingComponents) kept.push(component);
    }
    const seq = edit.takeList('components');
    for (const component of kept) seq.add(edit.str(component));
    if (seq.items.length > 0) map.set('components', seq);
  }
  if (spec.buildMetadata?.length) {
    edit.takeList('buildMetadata');
    const seq = new YAMLSeq();
    for (const option of spec.buildMetadata) seq.add(edit.str(option));
    map.set('buildMetadata', seq);
  }
  return doc.toString({ lineWidth: 0 });
}

class Editor {
  constructor(
    private readonly doc: Document,
    private readonly map: YAMLMap,
    private readonly source: string,
  ) {}

  // Strings we add are always quoted: kustomize decodes via YAML→JSON, where a plain `1.27` would become a number.
  str(value: string): Scalar {
    const node = this.doc.createNode(value);
    node.type = value.includes('\n') ? Scalar.BLOCK_LITERAL : Scalar.QUOTE_DOUBLE;
    return node;
  }

  mapOf(fields: Record<string, unknown>): YAMLMap {
    const out = new YAMLMap();
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || value === '') continue;
      out.add(new Pair(key, typeof value === 'string' ? this.str(value) : value));
    }
    return out;
  }

  setString(field: string, value: string): void {
    this.take(field);
    this.map.set(field, this.str(value));
  }

  // Removes every case variant of `field`, returning the value kustomize would have used (the last in JSON's sorted key order).
  take(field: string): unknown {
    const want = foldKey(field);
    const variants = this.map.items.filter((p) => isScalar(p.key) && foldKey(String(p.key.value)) === want);
    this.map.items = this.map.items.filter((p) => !variants.includes(p));
    const keyOf = (p: Pair): string => String((p.key as Scalar).value);
    return variants.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)).at(-1)?.value;
  }

  takeList(field: string): YAMLSeq {
    const value = this.take(field);
    if (value === undefined || value === null || (isScalar(value) && value.value === '')) return new YAMLSeq();
    if (isSeq(value)) return value;
    throw new BuildError({ message: `${this.source}: field '${field}' must be a list` });
  }
}
