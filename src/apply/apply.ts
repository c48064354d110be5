import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import { refOf, type KubeObject, type ObjectRef } from '../kube/types.ts';
import { Action, changeEntry, type ChangeSet, type ChangeSetEntry } from './changeset.ts';
import { defaultCleanup, type CleanupOptions } from './cleanup.ts';
import { ClusterReader } from './cluster-reader.ts';
import { objectDrift, type FieldChange } from './drift.ts';
import { ApplyError, objectFailure, type ObjectFailure } from './errors.ts';
import { HealthCheckError, waitForHealth } from './health.ts';
import type { CompiledIgnoreRule } from './ignore-rules.ts';
import {
  applyObject,
  planPrepared,
  prepareObject,
  type ObjectApplyContext,
  type PlannedObject,
  type PreparedObject,
} from './object-apply.ts';
import { defaultApplyPolicy, type ApplyPolicy, type MetadataSelector } from './policy.ts';
import { AppliedMemory, desiredHash } from './applied-memory.ts';
import { mapSettled } from './pool.ts';
import { deleteObjects, type DeleteResult } from './prune.ts';
import { splitStages, Stage } from './sort.ts';

export type { DeleteResult } from './prune.ts';

export interface ResourceManagerOptions {
  client: KubeClient;
  /** Field manager of every apply (e.g. `kustomize-controller`). */
  fieldManager: string;
  /** Labels set on every applied object and required on every pruned one. */
  ownerLabels: Record<string, string>;
  /** Parallel GET, dry-run and apply calls (default 4). */
  concurrency?: number;
  /** Skip / create-only / merge / force / prune rules (default: Flux's annotations). */
  policy?: ApplyPolicy;
  /** Metadata removed before applying in Override mode (default: `defaultCleanup(fieldManager)`). */
  cleanup?: CleanupOptions;
  /** Poll period while waiting for stage readiness or deletion (default 2000 ms, as Flux). */
  pollIntervalMs?: number;
  /**
   * What was applied before, checked against a watch cache: objects it knows unchanged are neither
   * read nor dry-run nor applied. Without it every object is planned (Flux's behaviour).
   */
  memory?: AppliedMemory;
  /** Drift-ignore rules: paths left out of drift detection and correction (see ignore-drift.ts). */
  ignore?: readonly CompiledIgnoreRule[];
}

export interface ApplyAllOptions {
  /** Recreate objects whose immutable fields changed (PVCs and StatefulSets need the per-object annotation). */
  force?: boolean;
  /** How long to wait for CRDs/Namespaces (and Class kinds) to become ready, and for forced deletions (default 60 s). */
  waitTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Drift of one object: the action an apply would take and the JSON pointers that would change. */
export interface DriftEntry extends ChangeSetEntry {
  changes: FieldChange[];
}

/**
 * Staged server-side apply, drift detection and pruning for plain Kubernetes objects. Every call
 * returns a change set; failures throw ApplyError carrying the change set of what was done.
 */
export class ResourceManager {
  private readonly client: KubeClient;
  private readonly fieldManager: string;
  private readonly ownerLabels: Record<string, string>;
  private readonly concurrency: number;
  private readonly policy: ApplyPolicy;
  private readonly cleanup: CleanupOptions;
  private readonly memory: AppliedMemory | undefined;
  private readonly pollIntervalMs: number;
  private readonly ignore: readonly CompiledIgnoreRule[] | undefined;

  constructor(opts: ResourceManagerOptions) {
    this.client = opts.client;
    this.fieldManager = opts.fieldManager;
    this.ownerLabels = { ...opts.ownerLabels };
    this.concurrency = opts.concurrency ?? 4;
    this.policy = opts.policy ?? defaultApplyPolicy;
    this.cleanup = opts.cleanup ?? defaultCleanup(opts.fieldManager);
    this.memory = opts.memory;
    this.pollIntervalMs = opts.pollIntervalMs ?? 2000;
    this.ignore = opts.ignore;
  }

  private context(opts: ApplyAllOptions): ObjectApplyContext {
    return {
      client: this.client,
      fieldManager: this.fieldManager,
      ownerLabels: this.ownerLabels,
      policy: this.policy,
      cleanup: this.cleanup,
      force: opts.force ?? false,
      pollIntervalMs: this.pollIntervalMs,
      waitTimeoutMs: opts.waitTimeoutMs ?? 60_000,
      signal: opts.signal,
      readOnly: false,
      ignore: this.ignore,
    };
  }

  /**
   * Applies the objects in stages (CRDs/Namespaces/ClusterRoles, then `*Class` kinds, then the
   * rest), waiting for each definition stage to become ready. Within a stage every object is
   * dry-run first; if any dry-run fails nothing of that stage is applied. Only drifted objects are
   * applied, so unchanged objects keep their resourceVersion.
   */
  async applyAllStaged(objects: readonly KubeObject[], opts: ApplyAllOptions = {}): Promise<ChangeSet> {
    const ctx = this.context(opts);
    const done: ChangeSetEntry[] = [];
    for (const { stage, objects: staged } of splitStages(objects)) {
      const planned = await this.planAll(ctx, staged, done);
      const failures = await this.applyChanged(ctx, planned, done);
      if (failures.length) throw new ApplyError({ failures, changeSet: { entries: done } });
      if (stage !== Stage.Resources) await this.waitReady(ctx, planned, done);
    }
    return { entries: done };
  }

  // Applies the drifted objects `concurrency` at a time; the change set and the failures keep the
  // planned order whatever order the applies finish in.
  private async applyChanged(
    ctx: ObjectApplyContext,
    planned: PlannedObject[],
    done: ChangeSetEntry[],
  ): Promise<ObjectFailure[]> {
    const changed = (p: PlannedObject): boolean => p.action === Action.Created || p.action === Action.Configured;
    const results = await mapSettled(
      planned,
      async (p) => (changed(p) ? await applyObject(ctx, p) : undefined),
      this.concurrency,
    );
    const failures: ObjectFailure[] = [];
    results.forEach((r, i) => {
      const p = planned[i] as PlannedObject;
      if (r.error === undefined) {
        const entry = changeEntry(p.ref, p.action);
        if (p.action === Action.Configured && p.existing && p.dryRun)
          entry.fields = objectDrift(p.existing, p.dryRun).map((c) => c.path);
        done.push(entry);
        this.rememberPlanned(p, r.value);
      } else {
        this.memory?.forget(p.ref);
        failures.push(objectFailure(p.ref, (r.error as Error).message));
      }
    });
    return failures;
  }

  // After a successful apply (or an unchanged dry-run) the object's resourceVersion is the one to
  // expect next time; a skipped object or one planned without a read is left as remembered.
  private rememberPlanned(p: PlannedObject, applied: KubeObject | undefined): void {
    if (!this.memory || p.hash === undefined) return;
    if (applied) this.memory.remember(p.ref, p.hash, applied.metadata.resourceVersion);
    else if (p.action === Action.Unchanged && p.existing)
      this.memory.remember(p.ref, p.hash, p.existing.metadata.resourceVersion);
  }

  // Reads the existing objects with one LIST per large (apiVersion, kind, namespace) group instead
  // of one GET each, then dry-runs every object; any failure stops the stage before anything is applied.
  private async planAll(
    ctx: ObjectApplyContext,
    objects: KubeObject[],
    done: ChangeSetEntry[],
  ): Promise<PlannedObject[]> {
    const failed = new Map<number, unknown>();
    const prepared = await mapSettled(objects, (o) => prepareObject(ctx, o), this.concurrency);
    const ready: { index: number; object: PreparedObject }[] = [];
    prepared.forEach((r, index) => {
      if (r.value) ready.push({ index, object: r.value });
      else failed.set(index, r.error);
    });
    this.rethrowAbort(failed);
    // Objects the memory knows unchanged need no read and no dry-run: they were applied with exactly
    // this content and the watch cache shows no write since.
    const memory = ctx.readOnly ? undefined : this.memory;
    const hashes = new Map(ready.map((r) => [r.index, memory ? desiredHash(r.object.desired) : undefined]));
    const known = new Set(
      ready.filter((r) => memory?.unchanged(r.object.ref, hashes.get(r.index) ?? '')).map((r) => r.index),
    );
    const toPlan = ready.filter((r) => !known.has(r.index));
    const reader = new ClusterReader({ client: this.client, concurrency: this.concurrency });
    // No signal here: an abort is noticed per object by planPrepared, which reports it as before.
    const source = toPlan.length ? await reader.snapshot(toPlan.map((r) => r.object.ref)) : this.client;
    const results = await mapSettled(toPlan, (r) => planPrepared(ctx, r.object, source), this.concurrency);
    const byIndex = new Map<number, PlannedObject>();
    results.forEach((r, i) => {
      const { index } = toPlan[i] as { index: number };
      if (r.value) byIndex.set(index, r.value);
      else failed.set(index, r.error);
    });
    for (const r of ready) {
      if (known.has(r.index))
        byIndex.set(r.index, { ...r.object, existing: undefined, dryRun: undefined, action: Action.Unchanged });
    }
    const planned: PlannedObject[] = [];
    for (const r of ready) {
      const p = byIndex.get(r.index);
      if (!p) continue;
      const hash = hashes.get(r.index);
      planned.push(hash === undefined ? p : { ...p, hash });
    }
    this.rethrowAbort(failed);
    if (failed.size === 0) return planned;
    const failures = [...failed]
      .sort(([a], [b]) => a - b)
      .map(([index, err]) => objectFailure(refOf(objects[index] as KubeObject), (err as Error).message));
    throw new ApplyError({ failures, changeSet: { entries: done } });
  }

  private rethrowAbort(failed: Map<number, unknown>): void {
    for (const err of failed.values()) if ((err as Error).name === 'AbortError') throw err;
  }

  // Objects of later stages need these to be usable: CRDs established (and served by discovery),
  // Namespaces active, so wait like Flux before going on.
  private async waitReady(ctx: ObjectApplyContext, planned: PlannedObject[], done: ChangeSetEntry[]): Promise<void> {
    // A definition being deleted will not become ready within any wait: say so now.
    const terminating = planned.filter((p) => p.action !== Action.Skipped && p.existing?.metadata.deletionTimestamp);
    if (terminating.length) {
      const failures = terminating.map((p) =>
        objectFailure(p.ref, 'is terminating: it can be applied again once it is gone'),
      );
      throw new ApplyError({ failures, changeSet: { entries: done } });
    }
    const refs = planned.filter((p) => p.action !== Action.Skipped).map((p) => p.ref);
    try {
      await waitForHealth(this.client, refs, {
        timeoutMs: ctx.waitTimeoutMs,
        intervalMs: Math.min(ctx.pollIntervalMs, 500),
        signal: ctx.signal,
        concurrency: this.concurrency,
      });
    } catch (err) {
      if (!(err instanceof HealthCheckError)) throw err;
      const failures = err.result.notReady.map((h) =>
        objectFailure(
          h.ref,
          `not ready after ${Math.round(err.result.elapsedMs / 1000)}s: status '${h.status}' (${h.message})`,
        ),
      );
      throw new ApplyError({ failures, changeSet: { entries: done }, cause: err });
    }
    const crds = planned.filter((p) => p.action !== Action.Skipped && p.desired.kind === 'CustomResourceDefinition');
    if (crds.length === 0) return;
    this.client.mapper.invalidate();
    await this.waitServed(ctx, crds, done);
  }

  // An Established CRD can still be missing from discovery for a moment; poll until each served
  // version resolves so that the next stage's dry-runs do not fail with "no matches for kind".
  private async waitServed(ctx: ObjectApplyContext, crds: PlannedObject[], done: ChangeSetEntry[]): Promise<void> {
    const deadline = Date.now() + ctx.waitTimeoutMs;
    for (const crd of crds) {
      const spec = (crd.desired.spec ?? {}) as {
        group?: string;
        names?: { kind?: string };
        versions?: { name: string; served?: boolean }[];
      };
      for (const v of (spec.versions ?? []).filter((x) => x.served !== false)) {
        const apiVersion = `${spec.group ?? ''}/${v.name}`;
        for (;;) {
          try {
            await this.client.resource(apiVersion, spec.names?.kind ?? '');
            break;
          } catch (err) {
            if (!isNotFound(err) || Date.now() >= deadline) {
              const failure = objectFailure(crd.ref, `not served by the API server: ${(err as Error).message}`);
              throw new ApplyError({ failures: [failure], changeSet: { entries: done }, cause: err });
            }
            this.client.mapper.invalidate(apiVersion);
            await sleep(Math.min(ctx.pollIntervalMs, 250), undefined, ctx.signal ? { signal: ctx.signal } : {});
          }
        }
      }
    }
  }

  /**
   * Dry-runs every object and reports what an apply would do and which fields would change (Secret
   * values masked). Writes nothing: no metadata cleanup and no forced recreation. Throws
   * ApplyError when a dry-run fails.
   */
  async diff(objects: readonly KubeObject[], opts: { signal?: AbortSignal } = {}): Promise<DriftEntry[]> {
    const ctx: ObjectApplyContext = { ...this.context({ signal: opts.signal }), readOnly: true };
    const ordered = splitStages(objects).flatMap((s) => s.objects);
    const planned = await this.planAll(ctx, ordered, []);
    return planned.map((p) => ({
      ...changeEntry(p.ref, p.action),
      changes: p.action === Action.Configured && p.existing && p.dryRun ? objectDrift(p.existing, p.dryRun) : [],
    }));
  }

  /**
   * Deletes stale objects (background propagation) that still carry `ownerLabels` (default: the
   * manager's) and are not excluded (`prune: disabled`, `reconcile: disabled`, `ssa: Ignore`).
   * Objects already gone count as deleted; failed deletes are returned, never thrown.
   */
  async prune(
    stale: readonly ObjectRef[],
    opts: { ownerLabels?: MetadataSelector; signal?: AbortSignal } = {},
  ): Promise<DeleteResult> {
    const ownerLabels = opts.ownerLabels ?? this.ownerLabels;
    if (Object.keys(ownerLabels).length === 0) {
      throw new Error('refusing to prune without owner labels: every object would match; pass ownerLabels');
    }
    return await this.deleteAll(stale, { ownerLabels, signal: opts.signal });
  }

  /**
   * Deletes objects in reverse apply order with the same skip rules as `prune`; `ownerLabels` `{}`
   * matches any object (for finalizers that delete a whole inventory).
   */
  async deleteAll(
    refs: readonly ObjectRef[],
    opts: { ownerLabels: MetadataSelector; signal?: AbortSignal | undefined },
  ): Promise<DeleteResult> {
    return await deleteObjects(refs, {
      ...opts,
      client: this.client,
      policy: this.policy,
      concurrency: this.concurrency,
    });
  }
}
