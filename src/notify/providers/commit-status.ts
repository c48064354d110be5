// What every commit-status forge shares (§3.2): SHA from the revision, state, context, description,
// duplicate suppression; each forge file only maps states and shapes its request.
import type { FluxEvent } from '../event.ts';
import { EventSeverity, extractCommitSha, MetadataKeys, metadataValue, revisionOf } from '../event.ts';
import type { SentCommitStatus } from './commit-status-log.ts';
import { CommitStatusMemo } from './commit-status-memo.ts';
import { CommitStatusExprError, parseCommitStatusExpr } from './commit-status-expr.ts';
import type { CommitStatusExpr } from './commit-status-expr.ts';
import { NotificationError, NotificationReasons, invalidConfig } from './errors.ts';
import { reasonWords, truncate } from './format.ts';
import { httpSender, withDeadline } from './http.ts';
import type { HttpRequest } from './http.ts';
import type { Notifier, PostContext, ProviderConfig } from './types.ts';

/** Forge-neutral states. `pending` is sent for Progressing events, which Flux skips (a Driftless extension). */
export type CommitState = 'pending' | 'success' | 'failure';

/** The reason controllers put on "applying revision X" events. */
export const ProgressingReason = 'Progressing';

/** The status to post for one event. */
export interface CommitStatus {
  sha: string;
  state: CommitState;
  /** Context (GitHub/Gitea), name (GitLab), or the source of the key (Bitbucket). */
  context: string;
  /** Event message (reason in words when empty), truncated to the forge's limit. */
  description: string;
  /** From `ProviderConfig.targetUrl` with `{kind}`, `{namespace}`, `{name}` filled in. */
  targetUrl: string | undefined;
  event: FluxEvent;
}

/** error → failure; Progressing (info) → pending; any other info → success. */
export function commitStateOf(event: FluxEvent): CommitState {
  if (event.severity === EventSeverity.Error) return 'failure';
  return event.reason === ProgressingReason ? 'pending' : 'success';
}

/** Flux's default context: `lower(<kind>/<name>/<first segment of the Provider UID>)`. */
export function defaultCommitStatusContext(event: FluxEvent, providerUid: string): string {
  const uidHead = providerUid.split('-')[0] ?? '';
  return `${event.involvedObject.kind}/${event.involvedObject.name}/${uidHead}`.toLowerCase();
}

/** What a forge adapter provides to `commitStatusNotifier`. */
export interface ForgeAdapter {
  /** Description length limit of the forge's API. */
  descriptionLimit: number;
  /** Identifies the repository in the memo key (e.g. the API URL prefix). */
  repoKey: string;
  /** The HTTP request that posts `status`. */
  request(status: CommitStatus): HttpRequest;
}

/**
 * A notifier that posts commit statuses through `adapter`. Needs `providerUid` unless
 * `commitStatusExpr` is set; throws `InvalidProviderConfig` when neither is usable. Each post
 * rejects with `InvalidEvent` when the event has no commit SHA, and skips (resolving, with the
 * observer's `skipped(type, 'duplicate')`) a status identical to the last one posted.
 */
export function commitStatusNotifier(cfg: ProviderConfig, adapter: ForgeAdapter): Notifier {
  let expr: CommitStatusExpr | undefined;
  if (cfg.commitStatusExpr) {
    try {
      expr = parseCommitStatusExpr(cfg.commitStatusExpr);
    } catch (err) {
      if (!(err instanceof CommitStatusExprError)) throw err;
      throw invalidConfig(cfg.type, `spec.commitStatusExpr: ${err.message}`);
    }
  } else if (!cfg.providerUid) {
    throw invalidConfig(cfg.type, 'the Provider UID is required for the default commit status context');
  }
  const memo = cfg.statusMemo ?? new CommitStatusMemo();
  const http = httpSender(cfg, { includeAddress: false });

  return {
    post: (event, ctx) =>
      withDeadline(cfg, ctx, async (signal) => {
        const status = commitStatusFor(cfg, event, ctx, expr, adapter.descriptionLimit);
        const key = [cfg.type, adapter.repoKey, status.sha, status.context].join('\u0000');
        const fingerprint = `${status.state}\u0000${status.description}`;
        if (memo.isDuplicate(key, fingerprint)) {
          cfg.observer?.skipped?.(cfg.type, 'duplicate');
          return;
        }
        await http.send(adapter.request(status), signal);
        memo.remember(key, fingerprint);
        cfg.statusLog?.add(sentRecord(cfg, status));
      }),
  };
}

function sentRecord(cfg: ProviderConfig, status: CommitStatus): SentCommitStatus {
  const o = status.event.involvedObject;
  return {
    object: { kind: o.kind, namespace: o.namespace, name: o.name },
    provider: { type: cfg.type, name: `${cfg.providerNamespace ?? ''}/${cfg.providerName ?? ''}` },
    sha: status.sha,
    state: status.state,
    context: status.context,
    description: status.description,
    sentAt: new Date().toISOString(),
  };
}

function commitStatusFor(
  cfg: ProviderConfig,
  event: FluxEvent,
  ctx: PostContext | undefined,
  expr: CommitStatusExpr | undefined,
  descriptionLimit: number,
): CommitStatus {
  const revision = revisionOf(event);
  const invalid = (message: string): NotificationError =>
    new NotificationError({ reason: NotificationReasons.InvalidEvent, providerType: cfg.type, message });
  if (!revision)
    throw invalid(`event from ${objectRef(event)} has no revision metadata (commit, originRevision or revision)`);
  const sha = extractCommitSha(revision);
  if (!sha) throw invalid(`cannot find a commit SHA in revision ${JSON.stringify(revision)} of ${objectRef(event)}`);
  let context: string;
  if (expr) {
    try {
      context = expr.evaluate(exprVariables(cfg, event, ctx));
    } catch (err) {
      if (!(err instanceof CommitStatusExprError)) throw err;
      throw invalid(`spec.commitStatusExpr failed for ${objectRef(event)}: ${err.message}`);
    }
  } else {
    context = defaultCommitStatusContext(event, cfg.providerUid ?? '');
  }
  const text = event.message.trim() || reasonWords(event.reason);
  return {
    sha,
    state: commitStateOf(event),
    context,
    description: truncate(text, descriptionLimit),
    targetUrl: cfg.targetUrl ? fillTemplate(cfg.targetUrl, event) : undefined,
    event,
  };
}

function exprVariables(cfg: ProviderConfig, event: FluxEvent, ctx: PostContext | undefined): Record<string, unknown> {
  return {
    event: { ...event, metadata: event.metadata ?? {} },
    provider: {
      metadata: { name: cfg.providerName ?? '', namespace: cfg.providerNamespace ?? '', uid: cfg.providerUid ?? '' },
      spec: { type: cfg.type },
    },
    alert: { metadata: { name: ctx?.alert?.name ?? '', namespace: ctx?.alert?.namespace ?? '' } },
  };
}

function fillTemplate(template: string, event: FluxEvent): string {
  const o = event.involvedObject;
  const values: Record<string, string> = { kind: o.kind, namespace: o.namespace, name: o.name };
  return template.replace(/\{(kind|namespace|name)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));
}

function objectRef(event: FluxEvent): string {
  const o = event.involvedObject;
  return `${o.kind}/${o.namespace}/${o.name}`;
}

/** The `summary` metadata, used by Azure DevOps in the status genre. */
export function summaryOf(event: FluxEvent): string | undefined {
  return metadataValue(event, MetadataKeys.summary);
}
