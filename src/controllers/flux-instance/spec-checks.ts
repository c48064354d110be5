// What of a FluxInstance spec this manager cannot honour, and what it runs without being asked (pure).
import { Kinds, Reasons } from '../../api/constants.ts';
import { FluxInstanceReasons, type ClusterSpec, type FluxInstanceSpec } from '../../api/flux-instance.ts';
import { semverRange } from '../../util/semver-range.ts';
import { messageOf } from '../shared.ts';
import { gitRefOf } from './sync-objects.ts';

/** What the running manager is: its reconciler groups (Flux component names) and its lockdown flags. */
export interface ManagerFacts {
  /** Components this manager runs, e.g. `source-controller`. */
  components: readonly string[];
  /** `driftless run --no-cross-namespace-refs`. */
  noCrossNamespaceRefs: boolean;
  /** `driftless run --default-service-account`; unset or empty means none. */
  defaultServiceAccount?: string | undefined;
}

/** One reason the spec cannot be applied as written; `reason` becomes the Ready/Stalled reason. */
export interface SpecProblem {
  reason: string;
  message: string;
}

/**
 * Every problem of `spec` against `facts`, in field order: an invalid `distribution.version` or sync ref
 * (BuildFailed), components this Driftless version does not have, sharding and workload identity
 * (NotSupported), multi-tenancy that differs from the manager's flags (ManagerConfigMismatch). Empty when
 * the spec can be applied.
 */
export function specProblems(spec: FluxInstanceSpec, facts: ManagerFacts): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (semverRange(spec.distribution.version) === null) {
    problems.push({
      reason: Reasons.BuildFailed,
      message: `spec.distribution.version "${spec.distribution.version}" is not a semver version or range (e.g. "2.x" or "2.7.0")`,
    });
  }
  for (const name of spec.components ?? []) {
    if (facts.components.includes(name)) continue;
    problems.push({
      reason: FluxInstanceReasons.NotSupported,
      message: `component ${name} is not available in this Driftless version (it runs ${facts.components.join(', ')}): remove it from spec.components`,
    });
  }
  if (spec.sharding) {
    problems.push({
      reason: FluxInstanceReasons.NotSupported,
      message:
        'spec.sharding is not supported by this Driftless version: one manager reconciles every object; remove spec.sharding',
    });
  }
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

/** Components this manager runs that `spec.components` leaves out (none when the list is unset). */
export function unlistedComponents(spec: FluxInstanceSpec, facts: ManagerFacts): string[] {
  if (!spec.components) return [];
  const listed = new Set<string>(spec.components);
  return facts.components.filter((c) => !listed.has(c));
}

/** The warning event for a running component the spec leaves out. */
export function unlistedComponentMessage(name: string): string {
  return (
    `component ${name} runs in this manager although spec.components does not list it: Driftless cannot stop a ` +
    `reconciler group at run time, and this version has no \`driftless run\` flag to leave ${name} out, so it keeps running`
  );
}
