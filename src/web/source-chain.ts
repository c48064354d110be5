// Where an applier's artifact comes from, link by link, from the informer caches: a Kustomization's
// GitRepository/OCIRepository/Bucket; a HelmRelease's HelmChart and the HelmRepository/GitRepository/
// Bucket the chart comes from (or its chartRef's OCIRepository/HelmChart). Each link carries its
// revision and status; a link that is not in any cache says so.
import type { KubeObject } from '../kube/types.ts';
import { sourceRefOf, type NodeRef } from './graph.ts';
import { capText, revisionOf, RowMessageChars, statusOf, type ObjectStatus } from './status.ts';

export interface SourceLink extends NodeRef {
  /** The dashboard status; 'unknown' for a missing link. */
  status: ObjectStatus;
  revision: string;
  /** The Ready condition's message, cut to a list row's length. */
  message: string;
  /** `spec.url` of a repository (never credentials: a URL with user info is shown without it). */
  url?: string;
  /** Not in any cache of this engine (deleted, not created yet, or a kind it does not serve). */
  missing?: true;
}

/** Longest chain followed (a HelmRelease's is two links; a loop of references stops here). */
const MaxLinks = 4;

/** The source links of `obj`, nearest first; empty for an object without a source reference. */
export function sourceChain(obj: KubeObject, find: (r: NodeRef) => KubeObject | undefined): SourceLink[] {
  const out: SourceLink[] = [];
  const seen = new Set<string>();
  let ref = sourceRefOf(obj);
  while (ref && out.length < MaxLinks) {
    const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
    if (seen.has(id)) break;
    seen.add(id);
    const src = find(ref);
    if (!src) {
      out.push({ ...ref, status: 'unknown', revision: '', message: '', missing: true });
      break;
    }
    out.push(linkOf(ref, src));
    ref = sourceRefOf(src);
  }
  return out;
}

function linkOf(ref: NodeRef, src: KubeObject): SourceLink {
  const ready = (src['status'] as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions?.find(
    (c) => c.type === 'Ready',
  );
  const url = safeUrl((src['spec'] as { url?: unknown } | undefined)?.url);
  return {
    ...ref,
    status: statusOf(src),
    revision: revisionOf(src),
    message: capText(ready?.message ?? '', RowMessageChars),
    ...(url ? { url } : {}),
  };
}

/** A URL without user info (a repository URL may carry a user name or, wrongly, a password). */
function safeUrl(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    const u = new URL(v);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    // scp-like Git addresses (git@host:org/repo) are not URLs; they hold no password.
    return v.replace(/^[^@/]+:[^@/]*@/, '');
  }
}
