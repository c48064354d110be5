import type { KubeObject } from '../kube/types.ts';
import { ApplyMetadata } from './policy.ts';
import { isRecord } from '../util/is-record.ts';

type Json = Record<string, unknown>;

/** Deep copy of plain JSON data. */
export const clone = <T>(v: T): T => structuredClone(v);

const POD_TEMPLATE_PATHS: Record<string, string[][]> = {
  Pod: [['spec']],
  Deployment: [['spec', 'template', 'spec']],
  StatefulSet: [['spec', 'template', 'spec']],
  DaemonSet: [['spec', 'template', 'spec']],
  ReplicaSet: [['spec', 'template', 'spec']],
  Job: [['spec', 'template', 'spec']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
};

const dig = (obj: unknown, path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (isRecord(o) ? o[k] : undefined), obj);

// Ports are list-map keyed by (port, protocol); a missing protocol makes server-side apply see
// duplicate keys or phantom drift, so fill in the API default as Flux's normalizer does.
function defaultProtocols(obj: KubeObject): void {
  const fill = (ports: unknown): void => {
    if (!Array.isArray(ports)) return;
    for (const p of ports) if (isRecord(p) && p.protocol === undefined) p.protocol = 'TCP';
  };
  if (obj.kind === 'Service' && obj.apiVersion === 'v1') fill(dig(obj, ['spec', 'ports']));
  for (const path of POD_TEMPLATE_PATHS[obj.kind] ?? []) {
    const podSpec = dig(obj, path);
    if (!isRecord(podSpec)) continue;
    for (const list of ['containers', 'initContainers']) {
      const containers = podSpec[list];
      if (Array.isArray(containers)) for (const c of containers) if (isRecord(c)) fill(c.ports);
    }
  }
}

/**
 * A copy of a desired object ready for server-side apply: owner labels set, the kubectl
 * last-applied annotation and status removed, the namespace dropped for cluster-scoped kinds,
 * CRD webhook caBundle stripped (cert injectors own it) and port protocols defaulted.
 */
export function prepareForApply(
  obj: KubeObject,
  opts: { ownerLabels: Record<string, string>; namespaced: boolean },
): KubeObject {
  const out = clone(obj);
  out.metadata.labels = { ...out.metadata.labels, ...opts.ownerLabels };
  if (out.metadata.annotations) {
    delete out.metadata.annotations[ApplyMetadata.lastApplied];
    if (Object.keys(out.metadata.annotations).length === 0) delete out.metadata.annotations;
  }
  if (!opts.namespaced) delete out.metadata.namespace;
  delete out.status;
  if (out.kind === 'CustomResourceDefinition') {
    const clientConfig = dig(out, ['spec', 'conversion', 'webhook', 'clientConfig']);
    if (isRecord(clientConfig)) delete clientConfig.caBundle;
  }
  defaultProtocols(out);
  return out;
}

/** The parts of an object compared for drift: labels, annotations and everything but metadata and status. */
export function driftView(obj: KubeObject): Json {
  const { metadata, status: _status, ...rest } = obj;
  const view: Json = { ...rest };
  view.metadata = { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} };
  return view;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/**
 * True when the dry-run result differs from the in-cluster object in labels, annotations or
 * anything outside metadata and status (resourceVersion, generation, managedFields and timestamps
 * are server bookkeeping, not drift). A missing object has always drifted.
 */
export function hasDrifted(existing: KubeObject | undefined, dryRun: KubeObject): boolean {
  if (!existing || !dryRun.metadata.resourceVersion) return true;
  return !jsonEqual(driftView(existing), driftView(dryRun));
}
