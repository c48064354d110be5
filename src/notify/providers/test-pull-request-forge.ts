// A stateful stand-in for the pull/merge request APIs of GitHub, GitLab and Gitea on 127.0.0.1, for the
// pull-request mode tests: it keeps requests per forge, refuses a second open request for the same
// branches as the forges do, and checks every call against the forge's API description (GitHub: the
// OpenAPI description in @octokit/openapi, bodies and query parameters; GitLab, Gitea: their REST
// documentation, written down below). Each problem is kept in `problems` and answered 422.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubOperation, githubQueryParameters, validate, type Schema } from './test-forge-shapes.ts';

/** The forges, by the API prefix their Provider addresses lead to. */
export type PullRequestForgeKind = 'github' | 'gitlab' | 'gitea';
const prefixes: Record<PullRequestForgeKind, string> = { github: '/api/v3', gitlab: '/api/v4', gitea: '/api/v1' };

/** One request the stand-in holds. */
export interface StoredPullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'merged' | 'closed';
}

const s = (): Schema => ({ type: 'string' });
const int = (): Schema => ({ type: 'integer' });
const strings = (): Schema => ({ type: 'array', items: s() });
const ints = (): Schema => ({ type: 'array', items: int() });
const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

// GitLab REST "Merge requests": create (POST /projects/:id/merge_requests) and update (PUT …/:merge_request_iid).
const gitlabCreate = object(
  {
    source_branch: s(),
    target_branch: s(),
    title: s(),
    allow_collaboration: { type: 'boolean' },
    assignee_id: int(),
    assignee_ids: ints(),
    description: s(),
    labels: s(),
    milestone_id: int(),
    remove_source_branch: { type: 'boolean' },
    reviewer_ids: ints(),
    squash: { type: 'boolean' },
    target_project_id: int(),
  },
  ['source_branch', 'target_branch', 'title'],
);
const gitlabUpdate = object({
  add_labels: s(),
  allow_collaboration: { type: 'boolean' },
  assignee_id: int(),
  assignee_ids: ints(),
  description: s(),
  discussion_locked: { type: 'boolean' },
  labels: s(),
  milestone_id: int(),
  remove_labels: s(),
  remove_source_branch: { type: 'boolean' },
  reviewer_ids: ints(),
  squash: { type: 'boolean' },
  state_event: { type: 'string', enum: ['close', 'reopen'] },
  target_branch: s(),
  title: s(),
});
// Gitea API (swagger v1): CreatePullRequestOption and EditPullRequestOption.
const giteaCreate = object({
  assignee: s(),
  assignees: strings(),
  base: s(),
  body: s(),
  due_date: s(),
  head: s(),
  labels: ints(),
  milestone: int(),
  reviewers: strings(),
  team_reviewers: strings(),
  title: s(),
});
const giteaUpdate = object({
  allow_maintainer_edit: { type: 'boolean' },
  assignee: s(),
  assignees: strings(),
  base: s(),
  body: s(),
  due_date: s(),
  labels: ints(),
  milestone: int(),
  state: { type: 'string', enum: ['open', 'closed'] },
  title: s(),
  unset_due_date: { type: 'boolean' },
});
// The documented list query parameters: GitLab "List project merge requests", Gitea "repoListPullRequests".
const gitlabList: Record<string, Schema> = {
  state: { type: 'string', enum: ['opened', 'closed', 'locked', 'merged', 'all'] },
  source_branch: s(),
  target_branch: s(),
  order_by: s(),
  sort: { type: 'string', enum: ['asc', 'desc'] },
  per_page: int(),
  page: int(),
};
const giteaList: Record<string, Schema> = {
  state: { type: 'string', enum: ['open', 'closed', 'all'] },
  sort: s(),
  milestone: int(),
  labels: ints(),
  poster: s(),
  page: int(),
  limit: int(),
};

/** Checks a query string against documented parameters (values are strings on the wire; integers are parsed). */
function checkQuery(query: string, documented: ReadonlyMap<string, Schema>): string[] {
  const problems: string[] = [];
  for (const [k, v] of new URLSearchParams(query)) {
    const schema = documented.get(k);
    if (!schema) problems.push(`query parameter ${k} is not documented`);
    else if (schema.type === 'integer') problems.push(...validate(schema, Number(v), `query.${k}`));
    else if (schema.type === 'string') problems.push(...validate(schema, v, `query.${k}`));
  }
  return problems;
}

/** A stand-in for the three forges at once; `url` is its origin, each forge under its API prefix. */
export class PullRequestForgeStandIn {
  readonly pulls: Record<PullRequestForgeKind, StoredPullRequest[]> = { github: [], gitlab: [], gitea: [] };
  /** Every call as `<kind> <METHOD> <path>`. */
  readonly calls: string[] = [];
  /** What was wrong with a call (empty when every call matched the API description). */
  readonly problems: string[] = [];
  /** Answers the next create of this forge with 502 after storing it (the forge failed on the way back). */
  failNextCreate: Partial<Record<PullRequestForgeKind, boolean>> = {};
  url = '';
  private server?: Server;
  private readonly github = {
    create: githubOperation('POST', '/repos/{owner}/{repo}/pulls', /./).body,
    update: githubOperation('PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}', /./).body,
    list: githubQueryParameters('GET', '/repos/{owner}/{repo}/pulls'),
  };

  /** `token` is the only credential accepted. */
  constructor(readonly token: string) {}

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? (JSON.parse(text) as unknown) : undefined;
        } catch {
          body = text;
        }
        const answer = this.handle(req.method ?? '', req.url ?? '', req.headers, body);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }

  /** The forge merges request `number` (the test moves the base branch itself). */
  merge(kind: PullRequestForgeKind, number: number): void {
    const pr = this.pulls[kind].find((p) => p.number === number);
    if (!pr) throw new Error(`no ${kind} pull request ${number}`);
    pr.state = 'merged';
  }

  /** The open requests of a forge. */
  open(kind: PullRequestForgeKind): StoredPullRequest[] {
    return this.pulls[kind].filter((p) => p.state === 'open');
  }

  private handle(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
  ): { status: number; body: unknown } {
    const kind = (Object.keys(prefixes) as PullRequestForgeKind[]).find((k) => url.startsWith(`${prefixes[k]}/`));
    const [path = '', query = ''] = (kind ? url.slice(prefixes[kind].length) : url).split('?');
    this.calls.push(`${kind ?? '?'} ${method} ${path}`);
    const fail = (status: number, problem: string) => {
      this.problems.push(`${kind ?? '?'} ${method} ${path}: ${problem}`);
      return { status, body: { message: problem } };
    };
    if (!kind) return fail(404, 'unknown API prefix');
    const auth =
      kind === 'github'
        ? headers['authorization'] === `Bearer ${this.token}`
        : kind === 'gitlab'
          ? headers['private-token'] === this.token
          : headers['authorization'] === `token ${this.token}`;
    if (!auth) return { status: 401, body: { message: 'Bad credentials' } };
    const m =
      kind === 'gitlab'
        ? /^\/projects\/[^/]+\/merge_requests(?:\/(\d+))?$/.exec(path)
        : /^\/repos\/[^/]+\/[^/]+\/pulls(?:\/(\d+))?$/.exec(path);
    if (!m) return fail(404, 'unknown path');
    const number = m[1] === undefined ? undefined : Number(m[1]);
    const list = this.pulls[kind];
    const shown = (p: StoredPullRequest) =>
      kind === 'gitlab'
        ? {
            iid: p.number,
            web_url: `${this.url}/mr/${p.number}`,
            title: p.title,
            description: p.body,
            state: p.state === 'open' ? 'opened' : p.state,
            source_branch: p.head,
            target_branch: p.base,
          }
        : {
            number: p.number,
            html_url: `${this.url}/pull/${p.number}`,
            title: p.title,
            body: p.body,
            state: p.state === 'open' ? 'open' : 'closed',
            head: { ref: p.head },
            base: { ref: p.base },
          };
    if (method === 'GET' && number === undefined) {
      const documented =
        kind === 'github' ? this.github.list : new Map(Object.entries(kind === 'gitlab' ? gitlabList : giteaList));
      const problems = checkQuery(query, documented);
      if (problems.length) return fail(422, problems.join('; '));
      const q = new URLSearchParams(query);
      const head = kind === 'github' ? q.get('head')?.split(':')[1] : q.get('source_branch');
      const base = kind === 'github' ? q.get('base') : q.get('target_branch');
      const state = q.get('state');
      const page = Number(q.get('page') ?? '1');
      const size = Number(q.get(kind === 'gitea' ? 'limit' : 'per_page') ?? '30');
      const found = list.filter(
        (p) =>
          (state === 'all' || p.state === 'open') &&
          (head == null || p.head === head) &&
          (base == null || p.base === base),
      );
      return { status: 200, body: found.slice((page - 1) * size, page * size).map(shown) };
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && number === undefined) {
      const schema = kind === 'github' ? this.github.create : kind === 'gitlab' ? gitlabCreate : giteaCreate;
      const problems = validate(schema, body);
      if (problems.length) return fail(422, problems.join('; '));
      const head = String(kind === 'gitlab' ? b['source_branch'] : b['head']);
      const base = String(kind === 'gitlab' ? b['target_branch'] : b['base']);
      if (list.some((p) => p.state === 'open' && p.head === head && p.base === base))
        return fail(kind === 'github' ? 422 : 409, `a pull request from ${head} to ${base} already exists`);
      const pr: StoredPullRequest = {
        number: list.length + 1,
        head,
        base,
        title: String(b['title']),
        body: String((kind === 'gitlab' ? b['description'] : b['body']) ?? ''),
        state: 'open',
      };
      list.push(pr);
      if (this.failNextCreate[kind]) {
        this.failNextCreate[kind] = false;
        return { status: 502, body: { message: 'Bad Gateway' } };
      }
      return { status: 201, body: shown(pr) };
    }
    const update = kind === 'gitlab' ? method === 'PUT' : method === 'PATCH';
    if (update && number !== undefined) {
      const schema = kind === 'github' ? this.github.update : kind === 'gitlab' ? gitlabUpdate : giteaUpdate;
      const problems = validate(schema, body);
      if (problems.length) return fail(422, problems.join('; '));
      const pr = list.find((p) => p.number === number);
      if (!pr) return fail(404, `no pull request ${number}`);
      if (typeof b['title'] === 'string') pr.title = b['title'];
      const text = kind === 'gitlab' ? b['description'] : b['body'];
      if (typeof text === 'string') pr.body = text;
      // Closing and reopening: GitLab's state_event, GitHub's and Gitea's state.
      const state = kind === 'gitlab' ? b['state_event'] : b['state'];
      if (state === 'close' || state === 'closed') pr.state = 'closed';
      if ((state === 'reopen' || state === 'open') && pr.state === 'closed') pr.state = 'open';
      return { status: 200, body: shown(pr) };
    }
    return fail(405, 'method not allowed');
  }
}
