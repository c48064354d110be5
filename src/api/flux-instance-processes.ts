// The Driftless processes a FluxInstance asks for, from its `spec.components` and `spec.sharding` (pure). One
// reading of the spec shared by `driftless install --instance` (which creates them) and the FluxInstance
// reconciler (which checks that the running processes match), so the two cannot drift apart.
import { parseLabelSelector } from '../util/label-selector.ts';
import { ControllerNames } from './constants.ts';
import type { FluxInstanceSpec } from './flux-instance.ts';

/** The sharding label key when `spec.sharding.key` is unset (the Flux Operator's default). */
export const DefaultShardingKey = 'sharding.fluxcd.io/key';

/** The components a shard runs, as the Flux Operator shards them: notification and image stay in the main set. */
export const ShardedComponents: readonly string[] = [
  ControllerNames.source,
  ControllerNames.kustomize,
  ControllerNames.helm,
];

/** A shard name must fit in a Deployment and Service name (`source-controller-<shard>`) and a label value. */
const ShardName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MaxShardName = 63 - `${ControllerNames.source}-`.length;

/** One process (a Deployment in-cluster) the instance asks for. */
export interface InstanceProcess {
  /** The shard it serves; undefined for the main process. */
  shard?: string;
  /** Flux component names it runs; undefined: every available one (no `--controllers`). */
  components?: string[];
  /** Its `--watch-label-selector`; undefined for the main process without sharding. */
  selector?: string;
}

/** `spec.sharding` asks for what Driftless cannot do; the message names the field and the fix. */
export class InstanceShapeError extends Error {
  override readonly name = 'InstanceShapeError';
  constructor(
    message: string,
    /** `NotSupported` for a value Driftless does not implement, `Invalid` for a spec that cannot be run. */
    readonly reason: 'NotSupported' | 'Invalid',
  ) {
    super(message);
  }
}

/**
 * The processes `spec` asks for: the main one (every listed component, `!<key>` when sharded) and one per
 * shard (the listed components among source, kustomize and helm, `<key>=<shard>`). `spec.components` unset
 * means every component this version has. Throws InstanceShapeError for `sharding.storage: persistent`
 * (NotSupported), and for shard names that cannot name a Deployment, duplicates, or shards with nothing
 * to run (Invalid).
 */
export function instanceProcesses(spec: Pick<FluxInstanceSpec, 'components' | 'sharding'>): InstanceProcess[] {
  const components = spec.components ? [...spec.components] : undefined;
  const sharding = spec.sharding;
  if (!sharding) return [components ? { components } : {}];
  if (sharding.storage === 'persistent')
    throw new InstanceShapeError(
      'spec.sharding.storage: persistent is not supported by Driftless (NotSupported): shards keep their artifacts in ' +
        'an emptyDir and rebuild them after a restart; set it to ephemeral or remove it',
      'NotSupported',
    );
  const key = sharding.key || DefaultShardingKey;
  parseLabelSelector(`!${key}`);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const shard of sharding.shards) {
    if (seen.has(shard)) problems.push(`shard "${shard}" is listed twice`);
    seen.add(shard);
    if (!ShardName.test(shard) || shard.length > MaxShardName)
      problems.push(
        `shard "${shard}" must be lowercase alphanumeric or '-', start and end alphanumeric, at most ${MaxShardName} characters (it names the Deployment driftless-<shard>)`,
      );
  }
  const shardComponents = (components ?? [...ShardedComponents]).filter((c) => ShardedComponents.includes(c));
  if (shardComponents.length === 0)
    problems.push(`spec.components lists none of ${ShardedComponents.join(', ')}: a shard would run nothing`);
  if (problems.length) throw new InstanceShapeError(`spec.sharding: ${problems.join('; ')}`, 'Invalid');
  return [
    { ...(components ? { components } : {}), selector: `!${key}` },
    ...sharding.shards.map((shard) => ({ shard, components: shardComponents, selector: `${key}=${shard}` })),
  ];
}

/**
 * What a `--watch-label-selector` selects, compared by meaning (`k=a`, `k==a` and `k in (a)` are one):
 * `{ shardOf: key, shard }` for exactly one shard, `{ mainOf: key }` for `!key`, else undefined.
 */
export function selectorScope(selector: string | undefined): { key: string; shard?: string } | undefined {
  if (!selector) return undefined;
  let reqs;
  try {
    reqs = parseLabelSelector(selector);
  } catch {
    return undefined;
  }
  const [r] = reqs;
  if (reqs.length !== 1 || !r) return undefined;
  if (r.operator === 'notexists') return { key: r.key };
  if (r.operator === 'in' && r.values.length === 1) return { key: r.key, shard: r.values[0]! };
  return undefined;
}

/**
 * Annotations each Driftless manager writes on its leader Lease, so that the FluxInstance reconciler can see
 * what every running process serves: its components (comma-separated) and its `--watch-label-selector`.
 */
export const ProcessAnnotations = {
  components: 'driftless.dev/components',
  watchLabelSelector: 'driftless.dev/watch-label-selector',
} as const;

/** A running manager, as its Lease (or this process itself) describes it. */
export interface RunningProcess {
  components: readonly string[];
  selector?: string | undefined;
}
