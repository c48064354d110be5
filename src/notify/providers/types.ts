// The provider contract: one `post` per notifier, configured from a Provider and its Secrets.
import type { FluxEvent } from '../event.ts';
import type { CommitStatusLog } from './commit-status-log.ts';
import type { CommitStatusMemo } from './commit-status-memo.ts';

/** Provider types Driftless can deliver to (a subset of Flux's enum; §3.1). */
export const ProviderTypes = {
  generic: 'generic',
  genericHmac: 'generic-hmac',
  slack: 'slack',
  msteams: 'msteams',
  discord: 'discord',
  googlechat: 'googlechat',
  rocket: 'rocket',
  webex: 'webex',
  telegram: 'telegram',
  matrix: 'matrix',
  lark: 'lark',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  opsgenie: 'opsgenie',
  pagerduty: 'pagerduty',
  sentry: 'sentry',
  datadog: 'datadog',
  github: 'github',
  gitlab: 'gitlab',
  gitea: 'gitea',
  bitbucket: 'bitbucket',
  bitbucketserver: 'bitbucketserver',
  azuredevops: 'azuredevops',
  githubdispatch: 'githubdispatch',
  zulip: 'zulip',
  zoom: 'zoom',
  incidentio: 'incident.io',
  githubpullrequestcomment: 'githubpullrequestcomment',
  gitlabmergerequestcomment: 'gitlabmergerequestcomment',
  giteapullrequestcomment: 'giteapullrequestcomment',
  nats: 'nats',
} as const;

/** A provider type name. */
export type ProviderType = (typeof ProviderTypes)[keyof typeof ProviderTypes];

/** The git forges that receive commit statuses rather than messages. */
export const CommitStatusProviderTypes: readonly ProviderType[] = [
  'github',
  'gitlab',
  'gitea',
  'bitbucket',
  'bitbucketserver',
  'azuredevops',
];

/** The providers that comment on the change request named by an object's `change_request` annotation. */
export const ChangeRequestProviderTypes: readonly ProviderType[] = [
  'githubpullrequestcomment',
  'gitlabmergerequestcomment',
  'giteapullrequestcomment',
];

/** The fetch subset the providers use; the global `fetch` satisfies it. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

/** Hooks for delivery metrics, called synchronously; a throwing hook is the caller's bug, not a delivery failure. */
export interface DeliveryObserver {
  /** One HTTP request reached the service and was accepted. */
  sent?(type: string): void;
  /** One HTTP request failed for good (after retries); `reason` is the NotificationError reason. */
  failed?(type: string, reason: string): void;
  /** A request is about to be retried after a 5xx, 429 or network error. */
  retried?(type: string): void;
  /** A post sent nothing on purpose (e.g. `duplicate` commit status). */
  skipped?(type: string, why: string): void;
}

/** Retry policy of every HTTP call. */
export interface RetryOptions {
  /** Tries in total, default 3. */
  attempts?: number;
  /** First backoff, doubled per retry, default 250 ms. */
  baseDelayMs?: number;
  /** Backoff (and honoured `Retry-After`) cap, default 5,000 ms. */
  maxDelayMs?: number;
}

/** Everything a notifier needs, resolved from a Provider, its Secrets and the manager's wiring. */
export interface ProviderConfig {
  type: ProviderType;
  /** Webhook URL, API endpoint or repository URL, depending on the type (Secret `address` wins in Flux). */
  address: string;
  channel?: string;
  username?: string;
  /** Secret `token`; never appears in errors. */
  token?: string;
  /** Secret `password`; never appears in errors. */
  password?: string;
  /** Secret `nkey` (NATS NKey seed); never appears in errors. */
  nkeySeed?: string;
  /** Secret `creds` (NATS user credentials file); never appears in errors. */
  natsCreds?: string;
  /** Extra HTTP headers (Secret `headers`); their values are treated as secrets. */
  headers?: Record<string, string>;
  /** PEM CA bundle trusted in addition to the system roots (Secret `ca.crt`). */
  caCert?: string;
  /** PEM client certificate and key for mutual TLS (Secret `tls.crt`, `tls.key`). */
  clientCert?: string;
  clientKey?: string;
  /** HTTP proxy URL, `http://user:pass@host:port`; HTTPS targets are tunnelled with CONNECT. */
  proxy?: string;
  /** Budget for one `post`, all tries and backoff included; default 15,000 ms (Flux's `spec.timeout` default). */
  timeoutMs?: number;
  /** Commit-status context expression; the supported subset is documented in `commit-status-expr.ts`. */
  commitStatusExpr?: string;
  /** The Provider's UID: its first segment ends the default commit-status context. */
  providerUid?: string;
  providerName?: string;
  providerNamespace?: string;
  /** Link shown on commit statuses; `{kind}`, `{namespace}`, `{name}` are replaced from the event. */
  targetUrl?: string;
  /** Remembers the last status per commit and context; share one across notifiers to skip duplicates. */
  statusMemo?: CommitStatusMemo;
  /** Records each commit status a forge accepted (the dashboard's timeline shows them). */
  statusLog?: CommitStatusLog;
  observer?: DeliveryObserver;
  retry?: RetryOptions;
  /** HTTP client; default a node:https client honouring `caCert`, client certificates and `proxy`. */
  fetch?: FetchLike;
  /** Backoff sleep, injectable for tests; default a timer cancelled by the post's deadline. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Per-post inputs that are not part of the Provider. */
export interface PostContext {
  /** Cancels the post (e.g. the manager is stopping). */
  signal?: AbortSignal;
  /** The Alert the event matched; available to `commitStatusExpr` as `alert`. */
  alert?: { name: string; namespace: string };
}

/** Delivers events to one destination. Rejects with `NotificationError`; never throws synchronously. */
export interface Notifier {
  post(event: FluxEvent, ctx?: PostContext): Promise<void>;
}

/** Builds a notifier; throws `NotificationError` (InvalidProviderConfig) for an unusable configuration. */
export type NotifierFactory = (cfg: ProviderConfig) => Notifier;
