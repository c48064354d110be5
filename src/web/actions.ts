// The dashboard's actions: reconcile (optionally with its source), suspend and resume, each the same
// patch `flux reconcile|suspend|resume` sends, made with the caller's identity (the engine impersonates the
// user a TokenReview named, after a SubjectAccessReview allowed it). Without authentication (loopback
// only) there is no caller to impersonate: the patch is the engine's kubeconfig user's, the person at this machine.
import type { Context, Hono } from 'hono';
import { Annotations } from '../api/constants.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import { bearerToken, type AccessReviewer, type Caller } from './auth.ts';
import { sourceRefOf } from './graph.ts';

export const DashboardActions = ['reconcile', 'suspend', 'resume'] as const;
export type DashboardAction = (typeof DashboardActions)[number];

export interface ActionsOptions {
  /** The engine's client: impersonates callers, resolves kinds to resources. */
  client: Pick<KubeClient, 'impersonate' | 'patch' | 'resource'>;
  /** Checks tokens and permissions; without it only unauthenticated (loopback) actions are possible. */
  reviewer?: AccessReviewer;
  /** Whether an action needs a bearer token (always off loopback, or when asked with --web-auth=token). */
  requireToken: boolean;
  /** Finds an object in the informer caches by kind, namespace and name. */
  lookup: (kind: string, namespace: string, name: string) => { apiVersion: string; obj: KubeObject } | undefined;
  now?: () => Date;
}

/** Thrown to answer with an HTTP status and a message. */
class ActionError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 502,
    message: string,
  ) {
    super(message);
  }
}

/** Who the request comes from: a reviewed token's user, `null` for no authentication (allowed only when not required). */
export async function callerOf(
  c: Context,
  reviewer: AccessReviewer | undefined,
  required: boolean,
): Promise<Caller | null> {
  const token = bearerToken(c.req.header('authorization'));
  if (!token) {
    if (required) throw new ActionError(401, 'sign in: this needs a Kubernetes bearer token (Authorization: Bearer …)');
    return null;
  }
  if (!reviewer) throw new ActionError(401, 'this dashboard cannot check tokens');
  let caller: Caller | undefined;
  try {
    caller = await reviewer.reviewToken(token);
  } catch (err) {
    throw new ActionError(502, `the token could not be reviewed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!caller) throw new ActionError(401, 'the API server does not accept this token');
  return caller;
}

/**
 * A browser on another site may send simple POSTs to a loopback port: an action must come from this
 * page (same origin, JSON body), which a cross-site form or `no-cors` fetch cannot produce.
 */
function checkSameOrigin(c: Context): void {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new ActionError(403, 'cross-site request refused');
  const origin = c.req.header('origin');
  if (origin && new URL(origin).host !== c.req.header('host'))
    throw new ActionError(403, 'cross-origin request refused');
  if (!(c.req.header('content-type') ?? '').startsWith('application/json'))
    throw new ActionError(400, 'send the action as JSON (Content-Type: application/json)');
}

/** Adds `POST /api/objects/:kind/:namespace/:name/:action` (body `{"withSource": true}` for reconcile). */
export function registerActions(app: Hono, opts: ActionsOptions): void {
  app.post('/api/objects/:kind/:namespace/:name/:action', async (c) => {
    try {
      checkSameOrigin(c);
      const { kind, namespace, name, action } = c.req.param();
      if (!DashboardActions.includes(action as DashboardAction))
        throw new ActionError(404, `unknown action "${action}" (one of ${DashboardActions.join(', ')})`);
      const body = (await c.req.json().catch(() => ({}))) as { withSource?: unknown };
      const caller = await callerOf(c, opts.reviewer, opts.requireToken);
      const found = opts.lookup(kind, namespace, name);
      if (!found) throw new ActionError(404, `${kind} ${namespace}/${name} not found`);
      const targets = plan(action as DashboardAction, found, body.withSource === true, opts);
      const token = (opts.now ?? (() => new Date()))().toISOString();
      const client = caller ? opts.client.impersonate(caller.user, caller.groups) : opts.client;
      for (const t of targets) await authorize(opts, caller, t.ref);
      const done: string[] = [];
      for (const t of targets) {
        await patch(client, t.ref, t.patch(token));
        done.push(`${t.ref.kind} ${t.ref.namespace}/${t.ref.name}`);
      }
      return c.json({
        action,
        done,
        requestedAt: action === 'reconcile' ? token : undefined,
        as: caller?.user ?? null,
      });
    } catch (err) {
      if (err instanceof ActionError) return c.json({ error: err.message }, err.status);
      throw err;
    }
  });
}

interface Target {
  ref: ObjectRef & { namespace: string };
  patch: (token: string) => unknown;
}

function plan(
  action: DashboardAction,
  found: { apiVersion: string; obj: KubeObject },
  withSource: boolean,
  opts: ActionsOptions,
): Target[] {
  const obj = found.obj;
  const ref = {
    apiVersion: found.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
  if (action === 'suspend') return [{ ref, patch: () => ({ spec: { suspend: true } }) }];
  // null removes the field, as flux's merge patch of `suspend: false` (omitempty) does.
  if (action === 'resume') return [{ ref, patch: () => ({ spec: { suspend: null } }) }];
  if ((obj['spec'] as { suspend?: boolean } | undefined)?.suspend === true)
    throw new ActionError(
      409,
      `${obj.kind} ${ref.namespace}/${ref.name} is suspended, so it would not reconcile: resume it first`,
    );
  const annotate = (token: string): unknown => ({
    metadata: { annotations: { [Annotations.reconcileRequestedAt]: token } },
  });
  const targets: Target[] = [];
  if (withSource) {
    const src = sourceRefOf(obj);
    if (!src) throw new ActionError(400, `${obj.kind} ${ref.namespace}/${ref.name} has no source to reconcile`);
    const source = opts.lookup(src.kind, src.namespace, src.name);
    if (!source) throw new ActionError(404, `its source ${src.kind} ${src.namespace}/${src.name} is not found`);
    targets.push({
      ref: { apiVersion: source.apiVersion, kind: src.kind, namespace: src.namespace, name: src.name },
      patch: annotate,
    });
  }
  targets.push({ ref, patch: annotate });
  return targets;
}

async function authorize(opts: ActionsOptions, caller: Caller | null, ref: Target['ref']): Promise<void> {
  if (!caller) return;
  const reviewer = opts.reviewer!;
  let resource;
  try {
    resource = await opts.client.resource(ref.apiVersion, ref.kind);
  } catch (err) {
    throw new ActionError(502, `cannot resolve ${ref.kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const decision = await reviewer
    .authorize(caller, {
      verb: 'patch',
      group: resource.group,
      resource: resource.plural,
      namespace: ref.namespace,
      name: ref.name,
    })
    .catch((err: unknown) => {
      throw new ActionError(502, `the access review failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  if (!decision.allowed)
    throw new ActionError(
      403,
      `${caller.user} may not patch ${resource.plural}.${resource.group} ${ref.namespace}/${ref.name}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
}

async function patch(client: ActionsOptions['client'], ref: ObjectRef, body: unknown): Promise<void> {
  try {
    await client.patch(ref, body, { type: 'merge' });
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 403 || err.status === 404 || err.status === 409))
      throw new ActionError(err.status, err.message);
    throw new ActionError(502, err instanceof Error ? err.message : String(err));
  }
}
