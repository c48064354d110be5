// Flux's controllers need CRDs Driftless does not install (Bucket, OCIRepository…). Add those from the controller
// modules; for the ones both define, check that Driftless's match Flux's rather than replace them.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { KubeClient } from '../src/kube/client.ts';
import type { KubeObject } from '../src/kube/types.ts';
import type { FluxPeers } from './flux-peers.ts';
import { pollUntil } from './readiness.ts';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};
type CrdVersion = { name: string; served?: boolean; storage?: boolean; schema?: { openAPIV3Schema?: Schema } };
/** The parts of a CustomResourceDefinition the comparison reads. */
export type Crd = KubeObject & {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
};

/** Every property path of a schema with its type (`.spec.interval:string`, `.status.conditions[]:object`…); pure. */
export function schemaShape(schema: Schema | undefined, at = '', out = new Set<string>()): Set<string> {
  if (!schema) return out;
  out.add(`${at}:${schema.type ?? ''}${schema['x-kubernetes-preserve-unknown-fields'] ? '+unknown' : ''}`);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) schemaShape(sub, `${at}.${key}`, out);
  if (schema.items) schemaShape(schema.items, `${at}[]`, out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    schemaShape(schema.additionalProperties, `${at}{}`, out);
  return out;
}

/**
 * Differences between two definitions of one CRD, as sentences: group, kind, served/storage versions, and per
 * version the property paths only one side has. Empty when they match; pure.
 */
export function compareCrds(ours: Crd, theirs: Crd): string[] {
  const diffs: string[] = [];
  if (ours.spec.group !== theirs.spec.group) diffs.push(`group ${ours.spec.group} vs ${theirs.spec.group}`);
  if (ours.spec.names.kind !== theirs.spec.names.kind)
    diffs.push(`kind ${ours.spec.names.kind} vs ${theirs.spec.names.kind}`);
  const versions = (c: Crd): string =>
    c.spec.versions
      .filter((v) => v.served !== false)
      .map((v) => `${v.name}${v.storage ? '*' : ''}`)
      .sort()
      .join(',');
  if (versions(ours) !== versions(theirs)) diffs.push(`served versions ${versions(ours)} vs ${versions(theirs)}`);
  for (const v of theirs.spec.versions) {
    const mine = ours.spec.versions.find((o) => o.name === v.name);
    if (!mine) continue;
    const a = schemaShape(mine.schema?.openAPIV3Schema);
    const b = schemaShape(v.schema?.openAPIV3Schema);
    const onlyOurs = [...a].filter((p) => !b.has(p));
    const onlyTheirs = [...b].filter((p) => !a.has(p));
    if (onlyOurs.length > 0) diffs.push(`${v.name}: only Driftless has ${onlyOurs.slice(0, 5).join(' ')}`);
    if (onlyTheirs.length > 0) diffs.push(`${v.name}: only Flux has ${onlyTheirs.slice(0, 5).join(' ')}`);
  }
  return diffs;
}

const CRD_API = 'apiextensions.k8s.io/v1';

/**
 * Applies every CRD of the provisioned Flux controllers that the cluster lacks and waits until they are
 * Established; compares the ones already there (Driftless's) and returns one note per CRD saying which happened.
 */
export async function installFluxCrds(
  client: KubeClient,
  peers: FluxPeers,
  log: (l: string) => void,
): Promise<string[]> {
  const notes: string[] = [];
  const added: string[] = [];
  for (const peer of Object.values(peers)) {
    for (const file of peer.crdFiles) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        const crd = doc.toJS() as Crd | null;
        if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
        const live = await client.get<Crd>({
          apiVersion: CRD_API,
          kind: 'CustomResourceDefinition',
          name: crd.metadata.name,
        });
        if (!live) {
          await client.apply(crd, { fieldManager: 'bench' });
          added.push(crd.metadata.name);
          continue;
        }
        const diffs = compareCrds(live, crd);
        notes.push(
          diffs.length === 0
            ? `${crd.metadata.name}: Driftless's CRD matches ${peer.name} v${peer.version}'s (versions, property tree)`
            : `${crd.metadata.name}: Driftless's CRD (kept) differs from ${peer.name} v${peer.version}'s: ${diffs.join('; ')}`,
        );
      }
    }
  }
  if (added.length > 0) {
    log(`added Flux's CRDs the cluster lacked: ${added.join(', ')}`);
    notes.push(`added from the controller modules (Driftless does not define them): ${added.join(', ')}`);
    await pollUntil({
      what: `${added.length} CRDs to be Established`,
      check: async () => {
        let ok = 0;
        for (const name of added) {
          const c = await client.get<Crd & { status?: { conditions?: { type: string; status: string }[] } }>({
            apiVersion: CRD_API,
            kind: 'CustomResourceDefinition',
            name,
          });
          if (c?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) ok++;
        }
        return { done: ok === added.length, progress: `${ok}/${added.length}` };
      },
      timeoutMs: 60_000,
      intervalMs: 250,
      log: () => undefined,
    });
  }
  return notes;
}
