import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/errors.ts';
import { refOf, type KubeObject, type ObjectRef } from '../kube/types.ts';
import { Action } from './changeset.ts';
import { cleanupPatch, type CleanupOptions } from './cleanup.ts';
import type { ObjectSource } from './cluster-reader.ts';
import { planIgnoring } from './ignore-drift.ts';
import type { CompiledIgnoreRule } from './ignore-rules.ts';
import { maskSecretText } from './mask.ts';
import { hasDrifted, prepareForApply } from './normalize.ts';
import { anyInMetadata, mayRecreate, skipReason, type ApplyPolicy } from './policy.ts';

/** Everything the per-object steps need; built once by the ResourceManager. */
export interface ObjectApplyContext {
  client: KubeClient;
  fieldManager: string;
  ownerLabels: Record<string, string>;
  policy: ApplyPolicy;
  cleanup: CleanupOptions;
  force: boolean;
  pollIntervalMs: number;
  waitTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Dry-run only (diff): never clean up metadata and never delete for a forced recreate. */
  readOnly: boolean;
  /** Drift-ignore rules (Kustomization `spec.ignore`). */
  ignore?: readonly CompiledIgnoreRule[] | undefined;
}

/** The decision for one object after GET + dry-run: what it is, what will happen, what the server would store. */
export interface PlannedObject {
  ref: ObjectRef;
  desired: KubeObject;
  existing: KubeObject | undefined;
  dryRun: KubeObject | undefined;
  action: Action;
  /** Hash of `desired`, when the manager remembers what it applied. */
  hash?: string;
}

/** A step of the per-object flow failed; `message` names the step and the API server's reason. */
export class ObjectStepError extends Error {
  override readonly name = 'ObjectStepError';
}

// Immutable-field errors from the API server, CEL rules (`x-kubernetes-validations`) and webhooks.
const IMMUTABLE = /is immutable|immutable field/i;

/** True when the API server refused a change because it touches an immutable field. */
export function isImmutableError(err: unknown): boolean {
  return err instanceof KubeApiError && IMMUTABLE.test(err.message);
}

/** `<step> failed (<Reason>): <server message>`, Secret values masked. */
export function stepMessage(step: string, err: unknown, ...objects: (KubeObject | undefined)[]): string {
  const reason = err instanceof KubeApiError && err.reason ? ` (${err.reason})` : '';
  const text = err instanceof Error ? err.message : String(err);
  return maskSecretText(`${step} failed${reason}: ${text}`, ...objects);
}

/** Polls until the object is gone; throws after `timeoutMs`. */
export async function waitUntilGone(ctx: ObjectApplyContext, ref: ObjectRef): Promise<void> {
  const deadline = Date.now() + ctx.waitTimeoutMs;
  while (await ctx.client.get(ref, { metadataOnly: true })) {
    if (Date.now() >= deadline) throw new Error(`still present after ${ctx.waitTimeoutMs}ms (finalizers?)`);
    await sleep(ctx.pollIntervalMs, undefined, ctx.signal ? { signal: ctx.signal } : {});
  }
}

async function dryRunApply(ctx: ObjectApplyContext, desired: KubeObject): Promise<KubeObject> {
  return await ctx.client.apply(desired, { fieldManager: ctx.fieldManager, force: true, dryRun: true });
}

/** An object checked and prepared for server-side apply (owner labels set, namespace settled). */
export interface PreparedObject {
  ref: ObjectRef;
  desired: KubeObject;
}

/**
 * Resolves the kind, checks the namespace and prepares the object for apply (no request beyond
 * discovery). Throws ObjectStepError when the kind is unknown or a namespaced object has no namespace.
 */
export async function prepareObject(ctx: ObjectApplyContext, obj: KubeObject): Promise<PreparedObject> {
  ctx.signal?.throwIfAborted();
  let info;
  try {
    info = await ctx.client.resource(obj.apiVersion, obj.kind);
  } catch (err) {
    throw new ObjectStepError(stepMessage('dry-run', err));
  }
  if (info.namespaced && !obj.metadata.namespace) {
    throw new ObjectStepError(`namespace not specified: ${obj.kind} is a namespaced kind`);
  }
  const desired = prepareForApply(obj, { ownerLabels: ctx.ownerLabels, namespaced: info.namespaced });
  return { ref: refOf(desired), desired };
}

/**
 * Read the in-cluster object (from `source`, default a GET) → skip rules → server-side dry-run
 * (delete + recreate on an immutable-field error when allowed) → metadata cleanup → drift check.
 * Throws ObjectStepError with a masked message.
 */
export async function planPrepared(
  ctx: ObjectApplyContext,
  { ref, desired }: PreparedObject,
  source: ObjectSource = ctx.client,
): Promise<PlannedObject> {
  ctx.signal?.throwIfAborted();
  let existing: KubeObject | undefined;
  try {
    existing = await source.get(ref);
  } catch (err) {
    throw new ObjectStepError(stepMessage('get', err, desired));
  }
  if (skipReason(desired, existing, ctx.policy))
    return { ref, desired, existing, dryRun: undefined, action: Action.Skipped };

  let dryRun: KubeObject;
  try {
    dryRun = await dryRunApply(ctx, desired);
  } catch (err) {
    if (ctx.readOnly || !existing || !isImmutableError(err) || !mayRecreate(desired, existing, ctx.force, ctx.policy)) {
      throw new ObjectStepError(stepMessage('dry-run', err, desired, existing));
    }
    dryRun = await recreate(ctx, ref, desired, existing);
    existing = undefined;
  }

  const merge = anyInMetadata(desired, ctx.policy.merge) || anyInMetadata(existing, ctx.policy.merge);
  let cleaned = false;
  if (existing && !merge && !ctx.readOnly) {
    const ops = cleanupPatch(existing, ctx.cleanup, ctx.fieldManager);
    if (ops.length) {
      try {
        await ctx.client.patch(ref, ops, { type: 'json', fieldManager: ctx.fieldManager });
      } catch (err) {
        throw new ObjectStepError(stepMessage('metadata cleanup', err, desired, existing));
      }
      cleaned = true;
    }
  }
  const action =
    !existing || !dryRun.metadata.resourceVersion
      ? Action.Created
      : cleaned || hasDrifted(existing, dryRun)
        ? Action.Configured
        : Action.Unchanged;
  const planned = { ref, desired, existing, dryRun, action };
  return ctx.ignore ? planIgnoring(planned, ctx.ignore, { fieldManager: ctx.fieldManager, cleaned }) : planned;
}

// Deletes in the background, waits until the object is gone, then dry-runs again: the real apply
// that follows creates it anew with the desired (immutable) fields.
async function recreate(
  ctx: ObjectApplyContext,
  ref: ObjectRef,
  desired: KubeObject,
  existing: KubeObject,
): Promise<KubeObject> {
  try {
    await ctx.client.delete(ref, { propagationPolicy: 'Background' });
    await waitUntilGone(ctx, ref);
  } catch (err) {
    throw new ObjectStepError(stepMessage('immutable field detected, recreate', err, desired, existing));
  }
  try {
    return await dryRunApply(ctx, desired);
  } catch (err) {
    throw new ObjectStepError(stepMessage('dry-run after recreate', err, desired));
  }
}

/** `prepareObject` then `planPrepared` with a GET: the whole plan of one object. */
export async function planObject(ctx: ObjectApplyContext, obj: KubeObject): Promise<PlannedObject> {
  return await planPrepared(ctx, await prepareObject(ctx, obj));
}

/** The real server-side apply of a planned object (only called when it drifted). */
export async function applyObject(ctx: ObjectApplyContext, planned: PlannedObject): Promise<KubeObject> {
  try {
    return await ctx.client.apply(planned.desired, { fieldManager: ctx.fieldManager, force: true });
  } catch (err) {
    throw new ObjectStepError(stepMessage('apply', err, planned.desired, planned.existing));
  }
}
