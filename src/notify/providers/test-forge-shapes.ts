// Request descriptions of the forges' commit-status APIs for the provider tests: GitHub's comes from
// the OpenAPI description in @octokit/openapi; the others are written down from each forge's
// documentation in the same schema dialect, checked by one small validator.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The OpenAPI 3 schema subset used by these request bodies. */
export interface Schema {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  nullable?: boolean;
  maxLength?: number;
  minLength?: number;
  maxProperties?: number;
  items?: Schema;
}

/** Errors of `value` against `schema`, as `path: problem` lines; empty when valid. */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  if (value === null) return schema.nullable ? [] : [`${path}: null is not allowed`];
  const errors: string[] = [];
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  const typeOk =
    schema.type === undefined || schema.type === actual || (schema.type === 'number' && actual === 'integer');
  if (!typeOk) return [`${path}: expected ${schema.type}, got ${actual}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string' && schema.maxLength !== undefined && [...value].length > schema.maxLength) {
    errors.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'string' && schema.minLength !== undefined && [...value].length < schema.minLength) {
    errors.push(`${path}: shorter than ${schema.minLength}`);
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    if (schema.maxProperties !== undefined && Object.keys(obj).length > schema.maxProperties) {
      errors.push(`${path}: more than ${schema.maxProperties} properties`);
    }
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validate(sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
    }
  }
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((v, i) => errors.push(...validate(schema.items as Schema, v, `${path}[${i}]`)));
  }
  return errors;
}

/** One forge endpoint: method, path pattern (after any API prefix) and request body schema. */
export interface ForgeOperation {
  method: string;
  path: RegExp;
  body: Schema;
}

type Parameter = { name?: string; in?: string; schema?: Schema; $ref?: string };
type OpenApi = {
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Parameter[] }>
  >;
  components: { parameters: Record<string, Parameter> };
};
let octokit: { spec: OpenApi; file: string } | undefined;

function octokitSpec(): { spec: OpenApi; file: string } {
  if (!octokit) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    octokit = { spec: JSON.parse(readFileSync(file, 'utf8')) as OpenApi, file };
  }
  return octokit;
}

/** The query parameters (name → schema) GitHub's OpenAPI description documents for `method apiPath`. */
export function githubQueryParameters(method: string, apiPath: string): Map<string, Schema> {
  const { spec } = octokitSpec();
  const op = spec.paths[apiPath]?.[method.toLowerCase()];
  if (!op) throw new Error(`@octokit/openapi no longer describes ${method} ${apiPath}`);
  const out = new Map<string, Schema>();
  for (const p of op.parameters ?? []) {
    const param = p.$ref ? spec.components.parameters[p.$ref.replace('#/components/parameters/', '')] : p;
    if (param?.in === 'query' && param.name) out.set(param.name, param.schema ?? {});
  }
  return out;
}

/**
 * One GitHub operation from the OpenAPI description in @octokit/openapi: `apiPath` as the description
 * spells it, `path` the pattern requests must match; the body schema is `{}`-free when it takes none.
 */
export function githubOperation(method: string, apiPath: string, path: RegExp): ForgeOperation & { source: string } {
  const { spec, file } = octokitSpec();
  const op = spec.paths[apiPath]?.[method.toLowerCase()];
  if (!op) throw new Error(`@octokit/openapi no longer describes ${method} ${apiPath}`);
  const body = op.requestBody?.content['application/json']?.schema ?? {};
  return { method, path, body, source: file };
}

/** GitHub's `POST /repos/{owner}/{repo}/statuses/{sha}` from the shipped OpenAPI description. */
export function githubStatusOperation(): ForgeOperation & { source: string } {
  const op = githubOperation(
    'POST',
    '/repos/{owner}/{repo}/statuses/{sha}',
    /^\/repos\/[^/]+\/[^/]+\/statuses\/[0-9a-f]{40}$/,
  );
  // GitHub documents (outside the schema) that descriptions are cut at 140 characters.
  const props = op.body.properties;
  return {
    ...op,
    body: { ...op.body, properties: { ...props, description: { ...props?.description, maxLength: 140 } } },
  };
}

const str = (maxLength?: number): Schema => ({ type: 'string', ...(maxLength ? { maxLength } : {}) });

/** The other forges, each from its REST documentation (source noted per entry). */
export const documentedForgeOperations: Record<string, ForgeOperation> = {
  // GitLab REST API, Commits: "Set the pipeline status of a commit" (POST /projects/:id/statuses/:sha).
  gitlab: {
    method: 'POST',
    path: /^\/projects\/[^/]+\/statuses\/[0-9a-f]{40}$/,
    body: {
      type: 'object',
      required: ['state'],
      properties: {
        state: { type: 'string', enum: ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] },
        ref: str(),
        name: str(255),
        context: str(255),
        target_url: str(255),
        description: str(255),
        coverage: { type: 'number' },
        pipeline_id: { type: 'integer' },
      },
      additionalProperties: false,
    },
  },
  // Gitea API (swagger v1), CreateStatusOption for POST /repos/{owner}/{repo}/statuses/{sha}.
  gitea: {
    method: 'POST',
    path: /^\/repos\/[^/]+\/[^/]+\/statuses\/[0-9a-f]{40}$/,
    body: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['pending', 'success', 'error', 'failure', 'warning'] },
        context: str(),
        description: str(),
        target_url: str(),
      },
      additionalProperties: false,
    },
  },
  // Bitbucket Cloud REST 2.0, Commit statuses: "Create a build status for a commit"; key, state, url required.
  bitbucket: {
    method: 'POST',
    path: /^\/2\.0\/repositories\/[^/]+\/[^/]+\/commit\/[0-9a-f]{40}\/statuses\/build$/,
    body: {
      type: 'object',
      required: ['key', 'state', 'url'],
      properties: {
        key: str(40),
        state: { type: 'string', enum: ['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'] },
        name: str(255),
        description: str(255),
        url: str(),
        refname: str(),
      },
      additionalProperties: false,
    },
  },
  // Bitbucket Server "Updating build status for commits" (build-status 1.0); state, key, url required.
  bitbucketserver: {
    method: 'POST',
    path: /^\/rest\/build-status\/1\.0\/commits\/[0-9a-f]{40}$/,
    body: {
      type: 'object',
      required: ['state', 'key', 'url'],
      properties: {
        state: { type: 'string', enum: ['INPROGRESS', 'SUCCESSFUL', 'FAILED'] },
        key: str(255),
        name: str(255),
        url: str(450),
        description: str(255),
      },
      additionalProperties: false,
    },
  },
  // Azure DevOps REST 7.1, Git Statuses - Create (GitStatus with GitStatusContext and GitStatusState).
  azuredevops: {
    method: 'POST',
    path: /^\/[^/]+\/[^/]+\/_apis\/git\/repositories\/[^/]+\/commits\/[0-9a-f]{40}\/statuses\?api-version=7\.1$/,
    body: {
      type: 'object',
      required: ['state', 'context'],
      properties: {
        state: { type: 'string', enum: ['notSet', 'pending', 'succeeded', 'failed', 'error', 'notApplicable'] },
        description: str(),
        targetUrl: str(),
        context: {
          type: 'object',
          required: ['name'],
          properties: { name: str(), genre: str() },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
  },
};
