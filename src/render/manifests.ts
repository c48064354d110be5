// Manifest streams in and out: multi-document YAML ⇄ validated Kubernetes objects.
import { stringify } from 'yaml';
import { inventoryId } from '../api/inventory.ts';
import { ManifestError } from './errors.ts';
import type { KubeObject } from './types.ts';
import { parseYamlDocuments } from './yaml-documents.ts';
import type { YamlLimits } from './yaml-documents.ts';
import { isRecord } from '../util/is-record.ts';

/** Options of {@link parseManifests}: the YAML limits plus the label used in messages. */
export type ParseManifestsOptions = YamlLimits;

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Flux inventory id of an object, `<namespace>_<name>_<group>_<kind>` (version-independent, like Flux). */
export function objectId(obj: KubeObject): string {
  return inventoryId({
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    group: apiGroup(obj.apiVersion),
    kind: obj.kind,
  });
}

/** Human-readable reference used in messages: `Kind/namespace/name`, or `Kind/name` when cluster-scoped. */
export function objectRef(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${obj.kind}/${ns}/${obj.metadata.name}` : `${obj.kind}/${obj.metadata.name}`;
}

/**
 * Parses a multi-document YAML stream into Kubernetes objects. Empty documents are skipped and `*List` kinds with
 * `items` are expanded. Throws ManifestError (reason BuildFailed) naming `opts.source` and the 1-based document for
 * undecodable input (see parseYamlDocuments limits), a document without apiVersion/kind/metadata.name, malformed
 * labels/annotations, or two objects with the same id ("already registered id").
 */
export function parseManifests(text: string | Uint8Array, opts: ParseManifestsOptions = {}): KubeObject[] {
  const source = opts.source ?? 'manifest';
  const objects: KubeObject[] = [];
  const seen = new Map<string, string>();
  for (const doc of parseYamlDocuments(text, { ...opts, source })) {
    if (doc.value === null) continue;
    const where = `document ${doc.index}`;
    const entries = isList(doc.value)
      ? doc.value.items.map((item, i) => {
          const itemWhere = `${where} item ${i + 1}`;
          return { obj: toKubeObject(item, source, itemWhere), where: itemWhere };
        })
      : [{ obj: toKubeObject(doc.value, source, where), where }];
    for (const entry of entries) {
      const id = objectId(entry.obj);
      const previous = seen.get(id);
      if (previous !== undefined) {
        throw new ManifestError({
          source,
          message: `${entry.where}: may not add resource with an already registered id "${id}": ${objectRef(entry.obj)} is defined in both ${previous} and ${entry.where}`,
        });
      }
      seen.set(id, entry.where);
      objects.push(entry.obj);
    }
  }
  return objects;
}

// `kind: List` (and typed lists such as ConfigMapList) wrap objects in `items`; kubectl and Flux unwrap them.
function isList(value: unknown): value is { items: unknown[] } {
  return (
    isRecord(value) &&
    typeof value['kind'] === 'string' &&
    value['kind'].endsWith('List') &&
    Array.isArray(value['items'])
  );
}

function toKubeObject(value: unknown, source: string, where: string): KubeObject {
  const fail = (what: string): never => {
    throw new ManifestError({ source, message: `${where}: ${what}; every document must be a Kubernetes object` });
  };
  if (!isRecord(value)) return fail('is not a mapping with apiVersion, kind and metadata.name');
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') return fail('has no apiVersion');
  if (typeof kind !== 'string' || kind === '') return fail('has no kind');
  if (!isRecord(metadata)) return fail(`${kind} has no metadata`);
  if (typeof metadata['name'] !== 'string' || metadata['name'] === '') return fail(`${kind} has no metadata.name`);
  if (
    metadata['namespace'] !== undefined &&
    metadata['namespace'] !== null &&
    typeof metadata['namespace'] !== 'string'
  ) {
    return fail(`${kind}/${metadata['name']} has a non-string metadata.namespace`);
  }
  if (metadata['namespace'] === null || metadata['namespace'] === '') delete metadata['namespace'];
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) {
      delete metadata[field];
      continue;
    }
    if (!isRecord(map)) return fail(`${kind}/${metadata['name']} metadata.${field} is not a map`);
    for (const [key, val] of Object.entries(map)) {
      if (typeof val !== 'string') return fail(`${kind}/${metadata['name']} metadata.${field}.${key} is not a string`);
    }
  }
  return value as KubeObject;
}

const serializeOptions = {
  // YAML 1.1 quoting keeps strings like "yes", "on" and "0644" quoted, so Go's yaml.v2 readers get strings too.
  version: '1.1',
  lineWidth: 0,
  aliasDuplicateObjects: false,
} as const;

/**
 * Serialises objects as a multi-document YAML stream (`---` separated), with apiVersion, kind and metadata (name,
 * namespace first) leading each document; the output depends only on the input, so it is safe to digest.
 */
export function serializeManifests(objects: readonly KubeObject[]): string {
  return objects.map((obj) => stringify(orderFields(obj), serializeOptions)).join('---\n');
}

function orderFields(obj: KubeObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { name, namespace, ...metaRest } = metadata;
  const orderedMeta = namespace === undefined ? { name, ...metaRest } : { name, namespace, ...metaRest };
  return { apiVersion, kind, metadata: orderedMeta, ...rest };
}
