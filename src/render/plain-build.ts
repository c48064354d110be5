// kustomize's output for the simplest kustomization, computed without running kustomize.
//
// A kustomization.yaml that only lists manifest files (or the one generated for a directory without one), perhaps
// with a `namespace` (Flux's targetNamespace), makes kustomize read those files, check them, set that namespace,
// and print the objects in its default ("legacy") order, otherwise unchanged.
// Running the binary for that costs about 0.7 s of CPU per 1000 objects, the largest single step of such a
// reconcile. This module produces the same objects in the same order itself, but only in a narrow case it can
// vouch for; anything else (a transformer, a directory or remote resource, a YAML anchor or tag, a List, a
// duplicate, a kustomize annotation, a null...) returns undefined and the caller runs the real kustomize, which
// then also reports any error its own way. `plain-build.int.test.ts` compares both on the real binary.
import { readFile, stat } from 'node:fs/promises';
import { splitApiVersion } from '../kube/types.ts';
import { readKustomization, findKustomizationFile } from './kustomization-file.ts';
import { resolveInside } from './safe-path.ts';
import type { KubeObject } from './types.ts';
import { parseYamlDocuments } from './yaml-documents.ts';
import { isRecord } from '../util/is-record.ts';

const KUSTOMIZE_API = 'kustomize.config.k8s.io/v1beta1';
// A plain relative file path below the kustomization (`./` allowed, as Flux's generated kustomizations write it):
// no URL, no glob, no `..`, no absolute path.
const PLAIN_FILE = /^(?:\.\/)?(?:[A-Za-z0-9_][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.ya?ml$/;
// Anchors, aliases, tags and directives are where YAML readers disagree; leave them to kustomize.
const UNSAFE_YAML = /[&*!]|^%|<</m;
const ASCII_NAME = /^[\x21-\x7e]+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Annotations kustomize reads or strips (local-config, origins, ids, build annotations).
const KUSTOMIZE_ANNOTATION =
  /^(?:config\.kubernetes\.io|internal\.config\.kubernetes\.io|kustomize\.config\.k8s\.io|config\.k8s\.io)\//;
// kustomize's legacy order: these kinds first, in this order, then every other kind, then the webhook configurations.
const ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const KIND_RANK = new Map<string, number>([
  ...ORDER_FIRST.map((k, i): [string, number] => [k, i - ORDER_FIRST.length]),
  ...ORDER_LAST.map((k, i): [string, number] => [k, i + 1]),
]);

/** Limits of {@link plainBuild}: bytes read in all (default 64 MiB, kustomize's output cap). */
export type PlainBuildOptions = { root: string; dir: string; maxBytes?: number | undefined };

/**
 * The objects `kustomize build <dir>` would print, or undefined when the kustomization is not a plain list of
 * manifest files this module can read exactly as kustomize does (the caller then runs kustomize).
 * `root` and `dir` are real paths; `dir` holds its kustomization file already (generated or not).
 */
export async function plainBuild(opts: PlainBuildOptions): Promise<KubeObject[] | undefined> {
  const plain = await plainResources(opts);
  if (!plain) return undefined;
  const { files: resources, namespace } = plain;
  let budget = opts.maxBytes ?? 64 * 1024 * 1024;
  const objects: KubeObject[] = [];
  const seen = new Set<string>();
  for (const file of resources) {
    const text = await readFile(file, 'utf8');
    budget -= Buffer.byteLength(text);
    if (budget < 0 || UNSAFE_YAML.test(text)) return undefined;
    let docs;
    try {
      docs = parseYamlDocuments(text, { source: file });
    } catch {
      return undefined;
    }
    for (const doc of docs) {
      if (doc.value === null) continue;
      const obj = plainObject(doc.value);
      if (!obj) return undefined;
      if (namespace !== undefined) {
        // kustomize's namespace transformer sets metadata.namespace and, for a few kinds, fields that refer to
        // namespaces (RoleBinding subjects, webhook services...); only kinds where it sets nothing else pass.
        if (!plainNamespaced(obj)) return undefined;
        obj.metadata.namespace = namespace;
      }
      if (!distinctId(obj, seen)) return undefined;
      objects.push(obj);
    }
  }
  return objects.sort(legacyOrder);
}

// The resource files of a kustomization that has `resources` (all plain files inside the root) and at most a
// `namespace`.
async function plainResources({
  root,
  dir,
  maxBytes,
}: PlainBuildOptions): Promise<{ files: string[]; namespace: string | undefined } | undefined> {
  const name = await findKustomizationFile(dir);
  if (!name) return undefined;
  const file = await resolveInside(root, dir, name);
  if (!file.inside || !file.exists) return undefined;
  let k: Record<string, unknown>;
  try {
    k = await readKustomization(file.real, name, { maxBytes });
  } catch {
    return undefined;
  }
  const { apiVersion, kind, resources, namespace, ...rest } = k;
  if (Object.keys(rest).length > 0) return undefined;
  if (namespace !== undefined && (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))) return undefined;
  if (apiVersion !== undefined && apiVersion !== KUSTOMIZE_API) return undefined;
  if (kind !== undefined && kind !== 'Kustomization') return undefined;
  if (!Array.isArray(resources) || resources.length === 0) return undefined;
  const files: string[] = [];
  for (const ref of resources) {
    if (typeof ref !== 'string' || !PLAIN_FILE.test(ref)) return undefined;
    const resolved = await resolveInside(root, dir, ref);
    if (!resolved.inside || !resolved.exists || !(await stat(resolved.real)).isFile()) return undefined;
    if (files.includes(resolved.real)) return undefined;
    files.push(resolved.real);
  }
  return { files, namespace };
}

// A document kustomize passes through untouched: apiVersion, kind and name as ASCII strings, string labels and
// annotations (none of kustomize's own), not a List, and no null anywhere.
function plainObject(value: unknown): KubeObject | undefined {
  if (!isRecord(value) || !noNulls(value)) return undefined;
  const { apiVersion, kind, metadata } = value;
  if (
    typeof apiVersion !== 'string' ||
    !ASCII_NAME.test(apiVersion) ||
    apiVersion.startsWith('kustomize.config.k8s.io/')
  )
    return undefined;
  if (typeof kind !== 'string' || !ASCII_NAME.test(kind) || kind.endsWith('List')) return undefined;
  if (!isRecord(metadata)) return undefined;
  const { name, namespace, labels, annotations } = metadata;
  if (typeof name !== 'string' || !ASCII_NAME.test(name)) return undefined;
  if (namespace !== undefined && (typeof namespace !== 'string' || !ASCII_NAME.test(namespace))) return undefined;
  for (const map of [labels, annotations]) {
    if (map === undefined) continue;
    if (!isRecord(map) || Object.keys(map).length === 0) return undefined;
    if (Object.values(map).some((v) => typeof v !== 'string')) return undefined;
  }
  if (annotations && Object.keys(annotations).some((a) => KUSTOMIZE_ANNOTATION.test(a))) return undefined;
  return value as KubeObject;
}

// Kinds kustomize knows to be namespaced, by their API group, and in which its namespace transformer changes
// nothing but metadata.namespace.
const NAMESPACED_GROUP = new Map<string, string>([
  ['ConfigMap', ''],
  ['Secret', ''],
  ['Service', ''],
  ['ServiceAccount', ''],
  ['Pod', ''],
  ['PersistentVolumeClaim', ''],
  ['LimitRange', ''],
  ['ResourceQuota', ''],
  ['Endpoints', ''],
  ['Deployment', 'apps'],
  ['StatefulSet', 'apps'],
  ['DaemonSet', 'apps'],
  ['ReplicaSet', 'apps'],
  ['Job', 'batch'],
  ['CronJob', 'batch'],
  ['Role', 'rbac.authorization.k8s.io'],
  ['Ingress', 'networking.k8s.io'],
  ['NetworkPolicy', 'networking.k8s.io'],
  ['PodDisruptionBudget', 'policy'],
  ['HorizontalPodAutoscaler', 'autoscaling'],
  ['Lease', 'coordination.k8s.io'],
]);

/** True when kustomize surely sees `obj` as namespaced, and a `namespace` would set nothing but metadata.namespace. */
const plainNamespaced = (obj: KubeObject): boolean =>
  NAMESPACED_GROUP.get(obj.kind) === splitApiVersion(obj.apiVersion).group;

/**
 * False when kustomize might see `obj` as the same resource as one before it: one kind and name in the same
 * namespace (unset and `default` being one), or in any namespace unless the kind is surely namespaced. Those are
 * left to kustomize to judge. Records the object otherwise.
 */
function distinctId(obj: KubeObject, seen: Set<string>): boolean {
  const ns = obj.metadata.namespace ?? 'default';
  const kindName = `${obj.kind}|${obj.metadata.name}`;
  const { group } = splitApiVersion(obj.apiVersion);
  // Any kind of a group outside Kubernetes' own is namespaced to kustomize too.
  const namespaced = plainNamespaced(obj) || (group.includes('.') && !group.endsWith('k8s.io'));
  if (seen.has(`${kindName}|${ns}`) || (seen.has(kindName) && !namespaced)) return false;
  seen.add(kindName);
  seen.add(`${kindName}|${ns}`);
  return true;
}

function noNulls(v: unknown): boolean {
  if (v === null) return false;
  if (Array.isArray(v)) return v.every(noNulls);
  if (isRecord(v)) return Object.values(v).every(noNulls);
  return true;
}

// kustomize's legacy sort: kind rank, then group, version and kind, then kind.version.group|namespace|name.
// Every string compared is ASCII, so JavaScript's order is Go's byte order.
function legacyOrder(a: KubeObject, b: KubeObject): number {
  const ga = splitApiVersion(a.apiVersion);
  const gb = splitApiVersion(b.apiVersion);
  if (ga.group !== gb.group || ga.version !== gb.version || a.kind !== b.kind) {
    const ra = KIND_RANK.get(a.kind) ?? 0;
    const rb = KIND_RANK.get(b.kind) ?? 0;
    if (ra !== rb) return ra - rb;
    const sa = gvkSortKey(ga.group, ga.version, a.kind);
    const sb = gvkSortKey(gb.group, gb.version, b.kind);
    // Namespaces of the core group sort before those of other groups.
    if (a.kind === 'Namespace' && b.kind === 'Namespace' && (ga.group === '' || gb.group === ''))
      return compare(sb, sa);
    return compare(sa, sb);
  }
  return compare(idSortKey(a, ga), idSortKey(b, gb));
}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

const gvkSortKey = (group: string, version: string, kind: string): string =>
  [group || '~G', version || '~V', kind || '~K'].join('_');

const idSortKey = (o: KubeObject, { group, version }: { group: string; version: string }): string =>
  [
    [o.kind || '[noKind]', version || '[noVer]', group || '[noGrp]'].join('.'),
    o.metadata.namespace || '~X',
    o.metadata.name || '~N',
  ].join('|');
