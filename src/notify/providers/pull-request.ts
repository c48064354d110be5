// Pull/merge requests on GitHub, GitLab and Gitea for the image automation's pull-request mode (beyond
// Flux): find the open request from a head branch to a base branch, create it when there is none, or
// update its title and description. The forge, address, token, CA and proxy are a commit-status
// Provider's (github, gitlab, gitea), so one Provider serves both.
import { isRecord } from '../../util/is-record.ts';
import { NotificationError, NotificationReasons, invalidConfig } from './errors.ts';
import { required } from './format.ts';
import { giteaRepository } from './gitea.ts';
import { githubHeaders, githubRepository } from './github.ts';
import { gitlabProject } from './gitlab.ts';
import { httpSender, parseJsonAnswer, withDeadline, type HttpRequest } from './http.ts';
import type { ProviderConfig } from './types.ts';

/** The Provider types that can open pull requests. */
export const PullRequestProviderTypes = ['github', 'gitlab', 'gitea'] as const;

/** What the request should be. */
export interface PullRequestSpec {
  /** Branch with the changes (in the same repository). */
  head: string;
  /** Branch the changes are for. */
  base: string;
  title: string;
  body: string;
}

/** The open request after `ensurePullRequest`, and what was done to it. */
export interface PullRequestResult {
  number: number;
  url: string;
  action: 'opened' | 'updated' | 'unchanged';
}

/** One listed request, read from the forge's answer. */
interface Listed {
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
}

/** A forge's requests and how to read its answers. */
interface PullRequestForge {
  /** The open requests from `head` to `base` (page `page`, 1-based); `more` when another page may hold some. */
  list(spec: PullRequestSpec, page: number): HttpRequest;
  read(entry: Record<string, unknown>): Listed | undefined;
  create(spec: PullRequestSpec): HttpRequest;
  update(number: number, spec: PullRequestSpec): HttpRequest;
  /** Closes the request, its description replaced by `body` (the reason). */
  close(number: number, body: string): HttpRequest;
  pageSize: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const refOf = (v: unknown): string => (isRecord(v) ? str(v['ref']) : '');

/** A pull request as GitHub and Gitea both show it (`number`, `html_url`, `head.ref`, `base.ref`). */
const readPull = (e: Record<string, unknown>): Listed | undefined =>
  typeof e['number'] === 'number'
    ? {
        number: e['number'],
        url: str(e['html_url']),
        title: str(e['title']),
        body: str(e['body']),
        head: refOf(e['head']),
        base: refOf(e['base']),
      }
    : undefined;

function forgeOf(cfg: ProviderConfig): PullRequestForge {
  const token = required(cfg, cfg.token, 'the Secret key "token"');
  const req = (method: HttpRequest['method'], url: string, headers: Record<string, string>, body?: unknown) => ({
    method,
    url,
    headers,
    showPath: true,
    ...(body === undefined ? {} : { body }),
  });
  if (cfg.type === 'github') {
    const { apiBase, owner, repo } = githubRepository(cfg);
    const base = `${apiBase}/repos/${owner}/${repo}/pulls`;
    const h = githubHeaders(token);
    return {
      pageSize: 100,
      list: (s, page) =>
        req(
          'GET',
          `${base}?${new URLSearchParams({ state: 'open', head: `${owner}:${s.head}`, base: s.base, per_page: '100', page: String(page) })}`,
          h,
        ),
      read: readPull,
      create: (s) => req('POST', base, h, { title: s.title, head: s.head, base: s.base, body: s.body }),
      update: (n, s) => req('PATCH', `${base}/${n}`, h, { title: s.title, body: s.body }),
      close: (n, body) => req('PATCH', `${base}/${n}`, h, { state: 'closed', body }),
    };
  }
  if (cfg.type === 'gitlab') {
    const { apiBase, projectId } = gitlabProject(cfg);
    const base = `${apiBase}/projects/${projectId}/merge_requests`;
    const h = { 'private-token': token };
    return {
      pageSize: 100,
      list: (s, page) =>
        req(
          'GET',
          `${base}?${new URLSearchParams({ state: 'opened', source_branch: s.head, target_branch: s.base, per_page: '100', page: String(page) })}`,
          h,
        ),
      read: (e) =>
        typeof e['iid'] === 'number'
          ? {
              number: e['iid'],
              url: str(e['web_url']),
              title: str(e['title']),
              body: str(e['description']),
              head: str(e['source_branch']),
              base: str(e['target_branch']),
            }
          : undefined,
      create: (s) =>
        req('POST', base, h, {
          source_branch: s.head,
          target_branch: s.base,
          title: s.title,
          description: s.body,
        }),
      update: (n, s) => req('PUT', `${base}/${n}`, h, { title: s.title, description: s.body }),
      close: (n, body) => req('PUT', `${base}/${n}`, h, { state_event: 'close', description: body }),
    };
  }
  if (cfg.type === 'gitea') {
    const { apiBase, owner, repo } = giteaRepository(cfg);
    const base = `${apiBase}/repos/${owner}/${repo}/pulls`;
    const h = { authorization: `token ${token}` };
    // Gitea's list has no head/base filter: the open requests are read page by page and matched here.
    return {
      pageSize: 50,
      list: (_s, page) =>
        req('GET', `${base}?${new URLSearchParams({ state: 'open', page: String(page), limit: '50' })}`, h),
      read: readPull,
      create: (s) => req('POST', base, h, { head: s.head, base: s.base, title: s.title, body: s.body }),
      update: (n, s) => req('PATCH', `${base}/${n}`, h, { title: s.title, body: s.body }),
      close: (n, body) => req('PATCH', `${base}/${n}`, h, { state: 'closed', body }),
    };
  }
  throw invalidConfig(cfg.type, `pull requests need a Provider of type ${PullRequestProviderTypes.join(', ')}`);
}

/** At most this many pages of open requests are read when looking for the existing one. */
const MaxPages = 20;

/** The open request from `head` to `base`, read page by page (at most `MaxPages`). */
async function findOpen(
  cfg: ProviderConfig,
  forge: PullRequestForge,
  spec: Pick<PullRequestSpec, 'head' | 'base'>,
  send: (req: HttpRequest) => Promise<string>,
): Promise<Listed | undefined> {
  const full: PullRequestSpec = { ...spec, title: '', body: '' };
  for (let page = 1; page <= MaxPages; page++) {
    const listed = parseJsonAnswer(cfg.type, await send(forge.list(full, page)), 'failed to list pull requests');
    const entries = Array.isArray(listed) ? listed : [];
    const found = entries
      .map((e) => (isRecord(e) ? forge.read(e) : undefined))
      .find((p) => p !== undefined && p.head === spec.head && p.base === spec.base);
    if (found || entries.length < forge.pageSize) return found;
  }
  return undefined;
}

/**
 * Makes sure one open request from `spec.head` to `spec.base` exists with `spec`'s title and body: the
 * existing one is updated when they differ (never a second one opened), else a new one is created.
 * Throws `NotificationError` with secrets scrubbed.
 */
export async function ensurePullRequest(
  cfg: ProviderConfig,
  spec: PullRequestSpec,
  signal?: AbortSignal,
): Promise<PullRequestResult> {
  const forge = forgeOf(cfg);
  const http = httpSender(cfg, { includeAddress: false });
  // A create is not retried: a 5xx after the forge stored it would open a second request.
  const once = httpSender({ ...cfg, retry: { ...cfg.retry, attempts: 1 } }, { includeAddress: false });
  return withDeadline(cfg, signal ? { signal } : undefined, async (deadline) => {
    const existing = await findOpen(cfg, forge, spec, async (r) => (await http.send(r, deadline)).body);
    if (existing) {
      if (existing.title === spec.title && existing.body === spec.body)
        return { number: existing.number, url: existing.url, action: 'unchanged' };
      await http.send(forge.update(existing.number, spec), deadline);
      return { number: existing.number, url: existing.url, action: 'updated' };
    }
    const created = parseJsonAnswer(
      cfg.type,
      (await once.send(forge.create(spec), deadline)).body,
      'failed to create the pull request',
    );
    const pr = isRecord(created) ? forge.read(created) : undefined;
    if (!pr)
      throw new NotificationError({
        reason: NotificationReasons.DeliveryFailed,
        providerType: cfg.type,
        message: 'the forge created the pull request but its answer has no number',
      });
    return { number: pr.number, url: pr.url, action: 'opened' };
  });
}

/**
 * Closes the open request from `head` to `base`, if there is one, replacing its description with
 * `reason`; returns it, or undefined when none was open. Throws `NotificationError` with secrets scrubbed.
 */
export async function closePullRequest(
  cfg: ProviderConfig,
  branches: { head: string; base: string },
  reason: string,
  signal?: AbortSignal,
): Promise<{ number: number; url: string } | undefined> {
  const forge = forgeOf(cfg);
  const http = httpSender(cfg, { includeAddress: false });
  return withDeadline(cfg, signal ? { signal } : undefined, async (deadline) => {
    const existing = await findOpen(cfg, forge, branches, async (r) => (await http.send(r, deadline)).body);
    if (!existing) return undefined;
    await http.send(forge.close(existing.number, reason), deadline);
    return { number: existing.number, url: existing.url };
  });
}
