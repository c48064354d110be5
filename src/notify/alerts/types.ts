// Alert and Provider specs (notification.toolkit.fluxcd.io/v1beta3), field names exactly as Flux's.

/** The API version these interfaces mirror. */
export const NotificationApiVersion = 'notification.toolkit.fluxcd.io/v1beta3';

/** A reference to the objects whose events an Alert forwards (`spec.eventSources[]`). */
export interface EventSourceRef {
  /** Kind of the event source, e.g. `Kustomization`; compared exactly. */
  kind: string;
  /** Object name, or `*` for all; `*` inside a name is a wildcard (a Driftless extension). */
  name: string;
  /** Defaults to the Alert's namespace. */
  namespace?: string;
  /** Labels the involved object must carry; Flux documents it for `name: '*'` only. */
  matchLabels?: Record<string, string>;
  apiVersion?: string;
}

/** `Alert.spec`. */
export interface AlertSpec {
  /** The Provider (same namespace) the matching events are sent to. */
  providerRef: { name: string };
  eventSources: EventSourceRef[];
  /** `info` (default) forwards every event, `error` only error events. */
  eventSeverity?: 'info' | 'error';
  /** Go (RE2) regular expressions; when set, a message must match at least one. */
  inclusionList?: string[];
  /** Go (RE2) regular expressions; a message matching any is dropped. */
  exclusionList?: string[];
  /** Extra metadata merged into every event (below the controller's own keys). */
  eventMetadata?: Record<string, string>;
  /** Deprecated in Flux in favour of `eventMetadata.summary`; still honoured. */
  summary?: string;
  suspend?: boolean;
}

/** The parts of an Alert object the matching code reads. */
export interface Alert {
  apiVersion?: string;
  kind?: 'Alert';
  metadata: { name: string; namespace: string; uid?: string; labels?: Record<string, string> };
  spec: AlertSpec;
}

/** `Provider.spec.secretRef` and friends name a Secret in the Provider's namespace. */
export interface LocalObjectReference {
  name: string;
}

/** `Provider.spec`. */
export interface ProviderSpec {
  /** One of the provider types (`slack`, `github`, …). */
  type: string;
  /** URL, repository address, or API endpoint; overridden by the Secret's `address` key. */
  address?: string;
  channel?: string;
  username?: string;
  /** Secret keys: `address`, `token`, `username`, `password`, `headers` (YAML map), `proxy`. */
  secretRef?: LocalObjectReference;
  /** Secret keys: `ca.crt`, and `tls.crt`/`tls.key` for mutual TLS. */
  certSecretRef?: LocalObjectReference;
  /** Secret keys: `address`, `username`, `password`. */
  proxySecretRef?: LocalObjectReference;
  /** Deprecated in Flux: an HTTP(S) proxy URL. */
  proxy?: string;
  /** Go duration, default `15s`. */
  timeout?: string;
  suspend?: boolean;
  /** Commit-status context expression (git providers only); see `providers/commit-status-expr.ts`. */
  commitStatusExpr?: string;
  serviceAccountName?: string;
  /** Deprecated and unused in Flux. */
  interval?: string;
}

/** The parts of a Provider object the dispatch code reads. */
export interface Provider {
  apiVersion?: string;
  kind?: 'Provider';
  metadata: { name: string; namespace: string; uid?: string };
  spec: ProviderSpec;
}
