// The Flux event as the notification side sees it, and pure helpers over it (pkg apis/event/v1beta1).
import type { RecordedEvent } from '../runtime/events.ts';

/** The event payload Flux controllers send to notification-controller (pkg apis/event/v1beta1). */
export interface FluxEvent {
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid: string };
  severity: 'info' | 'error';
  timestamp: string;
  message: string;
  reason: string;
  metadata?: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
}

/** A recorded event in Flux's payload shape: Warning events are `error`, Normal ones `info`. */
export function toFluxEvent(e: RecordedEvent): FluxEvent {
  const { type, ...rest } = e;
  return { ...rest, severity: type === 'Warning' ? 'error' : 'info' };
}

/** Event severities on the wire; `trace` events are never forwarded by Flux controllers. */
export const EventSeverity = { Info: 'info', Error: 'error' } as const;

/** `info` or `error`. */
export type EventSeverity = (typeof EventSeverity)[keyof typeof EventSeverity];

/** The API group whose annotations (`event.toolkit.fluxcd.io/<key>`) are copied into event metadata. */
export const EventAnnotationGroup = 'event.toolkit.fluxcd.io';

/** The annotation prefix the event recorder copies into event metadata, as Flux controllers do. */
export const EventAnnotationPrefix = `${EventAnnotationGroup}/`;

/** Metadata keys controllers set, without their `<group>/` prefix (pkg apis/event/v1beta1/metadata.go). */
export const MetadataKeys = {
  revision: 'revision',
  originRevision: 'originRevision',
  digest: 'digest',
  checksum: 'checksum',
  token: 'token',
  commit: 'commit',
  commitStatus: 'commit_status',
  changeRequest: 'change_request',
  summary: 'summary',
} as const;

/** The value of `<group>/commit_status` that asks commit-status providers for an update. */
export const CommitStatusUpdateValue = 'update';

/** The API group of the involved object (`kustomize.toolkit.fluxcd.io`), or '' for core kinds. */
export function objectGroup(event: FluxEvent): string {
  const apiVersion = event.involvedObject.apiVersion;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Reads a controller metadata key whether or not the `<group>/` prefix has been stripped yet:
 * the stripped form (what `mergeMetadata` produces) wins, then `<group>/<key>`.
 */
export function metadataValue(event: FluxEvent, key: string): string | undefined {
  const metadata = event.metadata ?? {};
  if (Object.hasOwn(metadata, key)) return metadata[key];
  const group = objectGroup(event);
  const prefixed = group ? `${group}/${key}` : undefined;
  return prefixed !== undefined && Object.hasOwn(metadata, prefixed) ? metadata[prefixed] : undefined;
}

/**
 * Flux's `Event.GetRevision`: metadata `commit`, else `originRevision`, else `revision`, each read
 * stripped of the `<group>/` prefix (falling back to the prefixed key for raw events). Empty values
 * count as absent. Returns undefined when the event carries none of them.
 */
export function revisionOf(event: FluxEvent): string | undefined {
  for (const key of [MetadataKeys.commit, MetadataKeys.originRevision, MetadataKeys.revision]) {
    const value = metadataValue(event, key);
    if (value) return value;
  }
  return undefined;
}

const HEX_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The commit hash in a Git revision, lowercase: `main@sha1:<sha>`, `refs/heads/x@sha1:<sha>`,
 * `sha1:<sha>`, `sha256:<sha>`, legacy `main/<sha>` and a bare 40 or 64 hex hash. Returns undefined
 * for anything else (OCI digests of other lengths, SemVer chart versions, empty strings).
 */
export function extractCommitSha(revision: string): string | undefined {
  const rev = revision.trim();
  // The hash follows the last '@' (refs may contain '/' but never '@' before the algorithm).
  const at = rev.lastIndexOf('@');
  const tail = at >= 0 ? rev.slice(at + 1) : rev;
  const algo = /^(sha1|sha256):([0-9a-fA-F]+)$/.exec(tail);
  if (algo) {
    const hex = (algo[2] ?? '').toLowerCase();
    const want = algo[1] === 'sha1' ? 40 : 64;
    return hex.length === want ? hex : undefined;
  }
  if (at >= 0) return undefined;
  if (HEX_SHA.test(rev.toLowerCase())) return rev.toLowerCase();
  // Legacy `<branch>/<sha>` (git.TransformRevision): the hash is the last path segment.
  const slash = rev.lastIndexOf('/');
  if (slash > 0) {
    const last = rev.slice(slash + 1).toLowerCase();
    if (HEX_SHA.test(last)) return last;
  }
  return undefined;
}

/**
 * Flux's metadata cleanup at intake (§3.4): keeps only keys prefixed `event.toolkit.fluxcd.io/` or
 * `<objectGroup>/`, and drops `<group>/checksum`, `<group>/digest` and `<group>/token`. Returns a
 * new event; the input is not modified.
 */
export function cleanMetadata(event: FluxEvent): FluxEvent {
  const group = objectGroup(event);
  const groupPrefix = group ? `${group}/` : undefined;
  const dropped = new Set(
    groupPrefix
      ? [MetadataKeys.checksum, MetadataKeys.digest, MetadataKeys.token].map((k) => `${groupPrefix}${k}`)
      : [],
  );
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.metadata ?? {})) {
    if (dropped.has(key)) continue;
    if (key.startsWith(`${EventAnnotationGroup}/`) || (groupPrefix && key.startsWith(groupPrefix))) {
      metadata[key] = value;
    }
  }
  return { ...event, metadata };
}

/** `kind/name.namespace` with the kind lowercased, the title chat providers show (e.g. `kustomization/app.apps`). */
export function objectTitle(event: FluxEvent): string {
  const o = event.involvedObject;
  return `${o.kind.toLowerCase()}/${o.name}.${o.namespace}`;
}
