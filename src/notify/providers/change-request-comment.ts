// Pull/merge request comments (notification-controller's change request comment providers): one
// comment per Provider and Flux object, found by a hidden key marker and edited in place.
import type { FluxEvent } from '../event.ts';
import { MetadataKeys, metadataValue } from '../event.ts';
import { isRecord } from '../../util/is-record.ts';
import { NotificationError, NotificationReasons, invalidConfig } from './errors.ts';
import { httpSender, parseJsonAnswer, withDeadline } from './http.ts';
import type { HttpRequest } from './http.ts';
import { markdownPost } from './markdown.ts';
import type { Notifier, ProviderConfig } from './types.ts';

/** A comment as the forge lists it. */
export interface ForgeComment {
  id: number;
  body: string;
  author: string;
}

/** What each forge supplies: its requests and how to read its answers. */
export interface CommentForge {
  /** `flux-pr-comment-key` (GitHub, Gitea) or `flux-mr-comment-key` (GitLab). */
  keyPrefix: string;
  /** The authenticated user (GET /user). */
  currentUser: HttpRequest;
  /** The login in the /user answer. */
  login(user: Record<string, unknown>): unknown;
  /** The first page (100) of comments of change request `number`, oldest first. */
  list(number: number): HttpRequest;
  /** One listed comment, or undefined when the entry is not one. */
  comment(entry: Record<string, unknown>): ForgeComment | undefined;
  update(number: number, commentId: number, body: string): HttpRequest;
  create(number: number, body: string): HttpRequest;
}

/** `<!-- <prefix>:<provider UID>/<Kind>/<namespace>/<name> -->`, the marker that identifies an object's comment. */
export function commentKeyMarker(prefix: string, providerUid: string, event: FluxEvent): string {
  const o = event.involvedObject;
  return `<!-- ${prefix}:${providerUid}/${o.kind}/${o.namespace}/${o.name} -->`;
}

/** The marker, a blank line, then Flux's Markdown post. */
export function commentBody(prefix: string, providerUid: string, event: FluxEvent): string {
  return `${commentKeyMarker(prefix, providerUid, event)}\n\n${markdownPost(event)}`;
}

/**
 * A notifier posting to the change request named by the event's `change_request` metadata (from the
 * object's `event.toolkit.fluxcd.io/change_request` annotation): it reads the authenticated user,
 * lists the first 100 comments, edits the one by that user holding this object's marker, or creates it.
 */
export function changeRequestCommentNotifier(cfg: ProviderConfig, forge: CommentForge): Notifier {
  const uid = cfg.providerUid;
  if (!uid) throw invalidConfig(cfg.type, 'provider UID cannot be empty');
  const http = httpSender(cfg, { includeAddress: false });
  const invalid = (message: string): NotificationError =>
    new NotificationError({ reason: NotificationReasons.InvalidEvent, providerType: cfg.type, message });
  const json = (text: string, what: string): unknown => parseJsonAnswer(cfg.type, text, what);
  return {
    post: (event, ctx) =>
      inTurn(`${cfg.type}\u0000${cfg.address}\u0000${commentKeyMarker(forge.keyPrefix, uid, event)}`, () =>
        withDeadline(cfg, ctx, async (signal) => {
          const raw =
            metadataValue(event, MetadataKeys.changeRequest) ??
            event.metadata?.[`event.toolkit.fluxcd.io/${MetadataKeys.changeRequest}`];
          if (raw === undefined) throw invalid(`missing "${MetadataKeys.changeRequest}" metadata key`);
          if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
            throw invalid(`invalid "${MetadataKeys.changeRequest}" metadata value ${JSON.stringify(raw)}`);
          const number = Number(raw);
          const user = json((await http.send(forge.currentUser, signal)).body, 'failed to get authenticated user info');
          const login = isRecord(user) ? forge.login(user) : undefined;
          const listed = json((await http.send(forge.list(number), signal)).body, 'failed to list comments');
          const marker = commentKeyMarker(forge.keyPrefix, uid, event);
          const existing = (Array.isArray(listed) ? listed : [])
            .map((c) => (isRecord(c) ? forge.comment(c) : undefined))
            .find((c) => c !== undefined && typeof login === 'string' && c.author === login && c.body.includes(marker));
          const body = commentBody(forge.keyPrefix, uid, event);
          await http.send(existing ? forge.update(number, existing.id, body) : forge.create(number, body), signal);
        }),
      ),
  };
}

// Posts for the same comment run one after another, so two events of one object arriving together
// cannot both find no comment and create two.
const turns = new Map<string, Promise<void>>();

function inTurn(key: string, fn: () => Promise<void>): Promise<void> {
  const run = (turns.get(key) ?? Promise.resolve()).then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  turns.set(key, settled);
  void settled.then(() => {
    if (turns.get(key) === settled) turns.delete(key);
  });
  return run;
}

/** Reads `{ id, body, <user>.<login> }` from a listed comment. */
export function readComment(
  entry: Record<string, unknown>,
  userKey: string,
  loginKey: string,
): ForgeComment | undefined {
  const user = entry[userKey];
  const id = entry['id'];
  if (typeof id !== 'number') return undefined;
  const author = isRecord(user) && typeof user[loginKey] === 'string' ? user[loginKey] : '';
  return { id, body: typeof entry['body'] === 'string' ? entry['body'] : '', author };
}

/**
 * The issue-comments API GitHub and Gitea share: `GET {api}/user` (`login`), list
 * `{repo}/issues/{n}/comments?{listQuery}`, `PATCH {repo}/issues/comments/{id}`, `POST {repo}/issues/{n}/comments`.
 */
export function issueCommentForge(
  apiBase: string,
  repoUrl: string,
  headers: Record<string, string>,
  listQuery: string,
): CommentForge {
  const req = (method: HttpRequest['method'], url: string, body?: string): HttpRequest => ({
    method,
    url,
    headers,
    showPath: true,
    ...(body === undefined ? {} : { body: { body } }),
  });
  return {
    keyPrefix: 'flux-pr-comment-key',
    currentUser: req('GET', `${apiBase}/user`),
    login: (user) => user['login'],
    list: (n) => req('GET', `${repoUrl}/issues/${n}/comments?${listQuery}`),
    comment: (c) => readComment(c, 'user', 'login'),
    update: (_n, id, body) => req('PATCH', `${repoUrl}/issues/comments/${id}`, body),
    create: (n, body) => req('POST', `${repoUrl}/issues/${n}/comments`, body),
  };
}
