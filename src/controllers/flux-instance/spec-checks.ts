// What of a FluxInstance spec this manager cannot honour, and what it runs without being asked (pure).
import { Kinds, Reasons } from '../../api/constants.ts';
import { FluxInstanceReasons, type ClusterSpec, type FluxInstanceSpec } from '../../api/flux-instance.ts';
import {
  DefaultShardingKey,
  InstanceShapeError,
  instanceProcesses,
  selectorScope,
  type RunningProcess,
} from '../../api/flux-instance-processes.ts';
import { semverRange } from '../../util/semver-range.ts';
import { messageOf } from '../shared.ts';
import { gitRefOf } from './sync-objects.ts';

/** What the running manager is: its reconciler groups (Flux component names) and its lockdown flags. */
export interface ManagerFacts {
  /** Components this manager runs, e.g. `source-controller`. */
  components: readonly string[];
  /** Components this Driftless version has (default: `components`). */
  available?: readonly string[];
  /** This manager's `--watch-label-selector`. */
  watchLabelSelector?: string | undefined;
  /**
   * The other running managers, read from their leader Leases (src/controllers/flux-instance/peers.ts);
   * undefined when this manager runs without leader election and cannot see them.
   */
  peers?: readonly RunningProcess[] | undefined;
  /** `driftless run --no-cross-namespace-refs`. */
  noCrossNamespaceRefs: boolean;
  /** `driftless run --default-service-account`; unset or empty means none. */
  defaultServiceAccount?: string | undefined;
}

/** One reason the spec cannot be applied as written; `reason` becomes the Ready/Stalled reason. */
export interface SpecProblem {
  reason: string;
  message: string;
  /** Another process starting or stopping may fix it: retried, not Stalled. */
  retry?: boolean;
}

/**
 * Every problem of `spec` against `facts`, in field order: an invalid `distribution.version` or sync ref
 * (BuildFailed), components this Driftless version does not have and workload identity (NotSupported),
 * components or shards no running process serves and multi-tenancy that differs from the manager's flags
 * (ManagerConfigMismatch). Empty when the spec can be applied.
 */
export function specProblems(spec: FluxInstanceSpec, facts: ManagerFacts): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (semverRange(spec.distribution.version) === null) {
    problems.push({
      reason: Reasons.BuildFailed,
      message: `spec.distribution.version "${spec.distribution.version}" is not a semver version or range (e.g. "2.x" or "2.7.0")`,
    });
  }
  const available = facts.available ?? facts.components;
  for (const name of spec.components ?? []) {
    if (available.includes(name)) continue;
    problems.push({
      reason: FluxInstanceReasons.NotSupported,
      message: `component ${name} is not available in this Driftless version (it has ${available.join(', ')}): remove it from spec.components`,
    });
  }
  problems.push(...processProblems(spec, facts));
  const identity = (['multitenantWorkloadIdentity', 'objectLevelWorkloadIdentity'] as const).filter(
    (f) => spec.cluster?.[f],
  );
  for (const field of identity) {
    problems.push({
      reason: FluxInstanceReasons.NotSupported,
      message: `spec.cluster.${field} is not supported by this Driftless version: set it to false or remove it`,
    });
  }
  const mismatch = clusterMismatch(spec.cluster, facts);
  if (mismatch) problems.push({ reason: FluxInstanceReasons.ManagerConfigMismatch, message: mismatch });
  const sync = spec.sync;
  if (sync?.kind === Kinds.GitRepository) {
    try {
      gitRefOf(sync.ref);
    } catch (err) {
      problems.push({ reason: Reasons.BuildFailed, message: messageOf(err) });
    }
  }
  return problems;
}

/**
 * Compares `spec.cluster` multi-tenancy with the manager's flags (multitenant means
 * `--no-cross-namespace-refs` and `--default-service-account=<tenantDefaultServiceAccount or "default">`;
 * not multitenant means neither flag). Returns the message naming the flags to set, or undefined when they agree.
 */
export function clusterMismatch(cluster: ClusterSpec | undefined, facts: ManagerFacts): string | undefined {
  const multitenant = cluster?.multitenant === true;
  const wantSa = multitenant ? cluster?.tenantDefaultServiceAccount || 'default' : undefined;
  const haveSa = facts.defaultServiceAccount || undefined;
  const fixes: string[] = [];
  if (multitenant !== facts.noCrossNamespaceRefs) {
    fixes.push(multitenant ? 'add --no-cross-namespace-refs' : 'remove --no-cross-namespace-refs');
  }
  if (wantSa !== haveSa) {
    fixes.push(wantSa ? `set --default-service-account=${wantSa}` : 'remove --default-service-account');
  }
  if (fixes.length === 0) return undefined;
  const running =
    `--no-cross-namespace-refs=${facts.noCrossNamespaceRefs}` +
    (haveSa ? ` --default-service-account=${haveSa}` : ' and no --default-service-account');
  return (
    `spec.cluster.multitenant is ${multitenant} but this manager runs with ${running}; ` +
    `multi-tenancy lockdown cannot change at run time: restart \`driftless run\` and ${fixes.join(', ')}`
  );
}

const reinstall = 're-install with `driftless install --instance <file>`';

/**
 * Compares the processes `spec.components` and `spec.sharding` ask for (src/api/flux-instance-processes.ts)
 * with what runs: this manager must be the main one (no selector, or `!<key>` when sharded), every listed
 * component must run in it or in a peer of the same scope, and each shard must have a running process
 * selecting `<key>=<shard>` with the shard's components (and no process may serve a shard the spec drops).
 */
export function processProblems(spec: FluxInstanceSpec, facts: ManagerFacts): SpecProblem[] {
  let expected;
  try {
    expected = instanceProcesses(spec);
  } catch (err) {
    if (!(err instanceof InstanceShapeError)) throw err;
    const reason = err.reason === 'NotSupported' ? FluxInstanceReasons.NotSupported : Reasons.BuildFailed;
    return [{ reason, message: err.message }];
  }
  const problems: SpecProblem[] = [];
  const mismatch = (message: string) =>
    problems.push({ reason: FluxInstanceReasons.ManagerConfigMismatch, message, retry: true });
  const own = facts.watchLabelSelector;
  const ownFlag = own ? `--watch-label-selector=${own}` : 'no --watch-label-selector';
  const key = spec.sharding ? spec.sharding.key || DefaultShardingKey : undefined;
  const scope = selectorScope(own);
  if (key && !(scope && scope.key === key && scope.shard === undefined)) {
    mismatch(
      `spec.sharding (key ${key}) needs this manager to be the main one, with --watch-label-selector=!${key}, but it runs with ${ownFlag}: ${reinstall}, or restart \`driftless run\` with --watch-label-selector=!${key}`,
    );
  } else if (!key && own) {
    mismatch(
      `spec.sharding is unset but this manager runs with ${ownFlag}, so it reconciles only the objects that selector matches: set spec.sharding to match, or ${reinstall} (the manager then runs without a selector)`,
    );
  }
  const sameScope = (p: RunningProcess) => (p.selector || undefined) === (own || undefined);
  const running = [{ components: facts.components, selector: own }, ...(facts.peers ?? [])];
  const available = facts.available ?? facts.components;
  const mainServes = new Set(running.filter(sameScope).flatMap((p) => p.components));
  const missing = (spec.components ?? []).filter((c) => available.includes(c) && !mainServes.has(c));
  if (missing.length)
    mismatch(
      `spec.components lists ${missing.join(', ')} but no running Driftless process serves ${missing.length > 1 ? 'them' : 'it'} (this manager runs --controllers=${facts.components.join(',')}): add ${missing.length > 1 ? 'them' : 'it'} to \`driftless run --controllers\`, or ${reinstall}`,
    );
  if (!key) return problems;
  if (!facts.peers) {
    mismatch(
      `spec.sharding cannot be checked: this manager runs without --enable-leader-election, so it cannot see the shard processes' Leases; enable leader election, or ${reinstall}`,
    );
    return problems;
  }
  for (const want of expected.slice(1)) {
    const serving = facts.peers.filter((p) => {
      const s = selectorScope(p.selector);
      return s?.key === key && s.shard === want.shard;
    });
    const served = new Set(serving.flatMap((p) => p.components));
    // Unset spec.components means what this manager runs: the shards then run the shardable ones of it.
    const shardRuns = (want.components ?? []).filter((c) => spec.components || facts.components.includes(c));
    const lacking = shardRuns.filter((c) => !served.has(c));
    if (serving.length === 0)
      mismatch(
        `spec.sharding.shards lists ${want.shard} but no running Driftless process serves it (one started with --watch-label-selector=${want.selector} --enable-leader-election): ${reinstall}`,
      );
    else if (lacking.length)
      mismatch(
        `shard ${want.shard} runs without ${lacking.join(', ')}, which it should run as a shard of this instance: ${reinstall}`,
      );
  }
  const listed = new Set(spec.sharding?.shards ?? []);
  const extra = [
    ...new Set(
      facts.peers
        .map((p) => selectorScope(p.selector))
        .filter((s) => s?.key === key && s.shard !== undefined && !listed.has(s.shard))
        .map((s) => s?.shard ?? ''),
    ),
  ];
  if (extra.length)
    mismatch(
      `Driftless processes serve shard ${extra.join(', ')} of ${key}, which spec.sharding.shards does not list: add ${extra.length > 1 ? 'them' : 'it'} to spec.sharding.shards, or stop ${extra.length > 1 ? 'those processes' : 'that process'}`,
    );
  return problems;
}

/** Components this manager runs that `spec.components` leaves out (none when the list is unset). */
export function unlistedComponents(spec: FluxInstanceSpec, facts: ManagerFacts): string[] {
  if (!spec.components) return [];
  const listed = new Set<string>(spec.components);
  return facts.components.filter((c) => !listed.has(c));
}

/** The warning event for a running component the spec leaves out. */
export function unlistedComponentMessage(name: string): string {
  return (
    `component ${name} runs in this manager although spec.components does not list it: it keeps running (a ` +
    `reconciler group cannot be stopped at run time); to leave it out, restart \`driftless run\` with ` +
    `--controllers naming only the listed components and operator, or ${reinstall}`
  );
}
