// An in-memory stand-in for the pull/merge request comment APIs of GitHub, GitLab and Gitea, for the
// change-request comment tests: it keeps comments per change request and checks every request against
// the forge's API description (GitHub: @octokit/openapi; GitLab, Gitea: their REST documentation).
import { githubOperation, validate } from './test-forge-shapes.ts';
import type { Schema } from './test-forge-shapes.ts';

/** One comment the stand-in holds. */
export interface StoredComment {
  id: number;
  body: string;
  author: string;
}

/** The forges this stand-in speaks, by API prefix. */
export type CommentForgeKind = 'github' | 'gitlab' | 'gitea';

/** A handled request: status and JSON answer, plus what was wrong with it (empty when valid). */
export interface CommentForgeAnswer {
  status: number;
  body: unknown;
  problems: string[];
}

const bodyOnly: Schema = {
  type: 'object',
  required: ['body'],
  properties: { body: { type: 'string' } },
  additionalProperties: false,
};
// GitLab REST "Notes": create takes body (required), created_at, internal, merge_request_diff_head_sha; update takes body.
const gitlabCreate: Schema = {
  type: 'object',
  required: ['body'],
  properties: {
    body: { type: 'string' },
    created_at: { type: 'string' },
    internal: { type: 'boolean' },
    merge_request_diff_head_sha: { type: 'string' },
  },
  additionalProperties: false,
};
// Query parameters each list endpoint documents (GitHub and GitLab pagination; Gitea's list options).
const listQuery: Record<CommentForgeKind, string[]> = {
  github: ['since', 'per_page', 'page'],
  gitlab: ['sort', 'order_by', 'per_page', 'page'],
  gitea: ['since', 'before', 'page', 'limit'],
};

/** A stateful forge: `handle` answers one request; `comments` holds every change request's comments. */
export class CommentForgeStandIn {
  readonly comments = new Map<string, StoredComment[]>();
  private nextId = 100;
  private readonly github = {
    create: githubOperation('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', /./).body,
    update: githubOperation('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', /./).body,
  };

  /** `login` is the user the token belongs to. */
  constructor(readonly login = 'flux-bot') {}

  /** Comments of change request `n` of the forge `kind`. */
  thread(kind: CommentForgeKind, n: number): StoredComment[] {
    const key = `${kind}/${n}`;
    let list = this.comments.get(key);
    if (!list) this.comments.set(key, (list = []));
    return list;
  }

  /** Answers `method url` (path after the forge's API prefix, with the query) with `body` (parsed JSON or undefined). */
  handle(kind: CommentForgeKind, method: string, url: string, body: unknown): CommentForgeAnswer {
    const [path = '', query = ''] = url.split('?');
    const problems: string[] = [];
    const user = kind === 'gitlab' ? { username: this.login } : { login: this.login };
    const shown = (c: StoredComment) =>
      kind === 'gitlab'
        ? { id: c.id, body: c.body, author: { username: c.author } }
        : { id: c.id, body: c.body, user: { login: c.author } };
    if (method === 'GET' && path === '/user') return { status: 200, body: user, problems };
    const list =
      kind === 'gitlab'
        ? /^\/projects\/[^/]+\/merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(path)
        : /^\/repos\/[^/]+\/[^/]+\/issues\/(?:(\d+)\/comments|comments\/(\d+))$/.exec(path);
    if (!list) return { status: 404, body: { message: 'Not Found' }, problems: [`unknown path ${method} ${path}`] };
    const n = list[1] ? Number(list[1]) : undefined;
    const id = list[2] ? Number(list[2]) : undefined;
    if (method === 'GET' && n !== undefined && id === undefined) {
      for (const k of new URLSearchParams(query).keys())
        if (!listQuery[kind].includes(k)) problems.push(`query parameter ${k} is not documented`);
      return { status: 200, body: this.thread(kind, n).map(shown), problems };
    }
    const createSchema = kind === 'github' ? this.github.create : kind === 'gitlab' ? gitlabCreate : bodyOnly;
    const updateSchema = kind === 'github' ? this.github.update : bodyOnly;
    if (method === 'POST' && n !== undefined && id === undefined) {
      problems.push(...validate(createSchema, body));
      const c = { id: this.nextId++, body: String((body as { body?: unknown })?.body), author: this.login };
      if (problems.length === 0) this.thread(kind, n).push(c);
      return { status: problems.length ? 422 : 201, body: shown(c), problems };
    }
    const update = kind === 'gitlab' ? method === 'PUT' : method === 'PATCH';
    if (update && id !== undefined) {
      problems.push(...validate(updateSchema, body));
      const all = [...this.comments.entries()].filter(([k]) => k.startsWith(`${kind}/`)).flatMap(([, v]) => v);
      const c = all.find((x) => x.id === id);
      if (!c) return { status: 404, body: { message: 'Not Found' }, problems: [...problems, `no comment ${id}`] };
      if (problems.length === 0) c.body = String((body as { body?: unknown }).body);
      return { status: problems.length ? 422 : 200, body: shown(c), problems };
    }
    return { status: 405, body: { message: 'Method Not Allowed' }, problems: [`unexpected ${method} ${path}`] };
  }
}
