// Flag values as Flux's controllers (Go, spf13/pflag) take them: booleans, label selectors, reconciler
// groups, and the Flux flags Driftless refuses by name. Pure: the CLI (src/cli/run.ts) wires them.
import { createHash } from 'node:crypto';

/**
 * A Go boolean (`strconv.ParseBool`): 1, t, T, TRUE, true, True are true; 0, f, F, FALSE, false, False
 * are false; anything else is an error. `--flag` alone is `true`, as pflag's bool flags.
 */
export function parseGoBool(value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new Error(`"${value}" is not a boolean (use true or false, e.g. --flag=false)`);
}

export { parseLabelSelector, type LabelRequirement } from '../util/label-selector.ts';

/**
 * The Lease name of a shard, as Flux's controllers derive it: the base name suffixed with a short hash of
 * the label selector (`<id>-<first 9 hex of sha256(selector)>`), so each shard elects its own leader.
 */
export function shardLeaseName(base: string, labelSelector: string | undefined): string {
  if (!labelSelector) return base;
  return `${base}-${createHash('sha256').update(labelSelector).digest('hex').slice(0, 9)}`;
}

/** The process running FluxReport and FluxInstance (the Flux Operator's part); not a Flux controller. */
export const OperatorComponent = 'flux-operator';

/**
 * The reconciler groups `--controllers` selects, by short name, with the Flux controllers (FluxReport
 * component names) each stands for. A group is available when its components are in ComponentKinds
 * (src/controllers/flux-report/components.ts); `flux-operator` (FluxReport, FluxInstance) always is.
 */
export const ReconcilerGroups: readonly { name: string; components: readonly string[] }[] = [
  { name: 'source', components: ['source-controller', 'source-watcher'] },
  { name: 'kustomize', components: ['kustomize-controller'] },
  { name: 'helm', components: ['helm-controller'] },
  { name: 'notification', components: ['notification-controller'] },
  { name: 'image', components: ['image-reflector-controller', 'image-automation-controller'] },
  { name: 'operator', components: [OperatorComponent] },
];

/**
 * Reads `--controllers` (comma-separated short names or Flux controller names) into the components this
 * process serves. Empty or unset: every available component. Throws, naming it, on an unknown name or a
 * known one this version does not have.
 */
export function parseControllers(value: string | undefined, available: readonly string[]): string[] {
  const all = [...available, OperatorComponent];
  if (value === undefined || value.trim() === '') return all;
  const picked = new Set<string>();
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const group = ReconcilerGroups.find((g) => g.name === name || g.components.includes(name));
    if (!group)
      throw new Error(
        `--controllers: unknown reconciler group "${name}" (known: ${ReconcilerGroups.map((g) => g.name).join(', ')}, or Flux's controller names such as kustomize-controller)`,
      );
    // A group serves the components of it this version has; a
    // controller named on its own, or a group with none of its components, must be available.
    const wanted = group.name === name ? group.components : [name];
    const components =
      group.name === name && wanted.some((c) => all.includes(c)) ? wanted.filter((c) => all.includes(c)) : wanted;
    const missing = components.filter((c) => !all.includes(c));
    if (missing.length)
      throw new Error(
        `--controllers: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not available in this Driftless version (available: ${all.join(', ')})`,
      );
    components.forEach((c) => picked.add(c));
  }
  if (picked.size === 0) throw new Error('--controllers: no reconciler group given');
  return all.filter((c) => picked.has(c));
}

/**
 * Flux controller flags Driftless does not implement, with why and what to do. Given at start, any of
 * them stops `driftless run` with an error naming it: a patched controller argument is never silently
 * dropped. A flag that becomes implemented moves to src/cli/run.ts.
 */
export const RefusedFluxFlags: Readonly<Record<string, string>> = {
  'concurrent-ssa': 'server-side apply runs one request per object; remove the flag',
  'default-decryption-service-account': 'SOPS decryption uses the Kustomization spec.decryption.secretRef only',
  'http-retry': 'artifact downloads retry with Driftless’s own backoff; remove the flag',
  'http-timeout': 'artifact downloads use Driftless’s own timeout; remove the flag',
  'insecure-kubeconfig-exec': 'exec credentials in remote kubeconfigs are not supported',
  'insecure-kubeconfig-tls': 'kubeconfigs that disable TLS verification are not supported',
  'interval-jitter-percentage': 'intervals are not jittered; remove the flag',
  'min-retry-delay': 'the retry backoff is fixed (750 ms doubling to 15 min, as Flux’s defaults); remove the flag',
  'max-retry-delay': 'the retry backoff is fixed (750 ms doubling to 15 min, as Flux’s defaults); remove the flag',
  'override-manager': 'field managers are not overridden; remove the flag',
  'sops-age-secret': 'SOPS keys come from spec.decryption.secretRef only',
  'token-cache-max-size': 'cloud provider tokens are not cached; remove the flag',
  'token-cache-max-duration': 'cloud provider tokens are not cached; remove the flag',
  'graceful-shutdown-timeout':
    'in-flight reconciles get 25 s on shutdown (within Kubernetes’ 30 s grace); remove the flag',
  'artifact-retention-ttl': 'artifact garbage collection has fixed settings; remove the flag',
  'artifact-retention-records': 'artifact garbage collection has fixed settings; remove the flag',
  'artifact-digest-algo': 'artifact digests are sha256 only',
  'helm-index-max-size': 'Helm size limits are fixed; remove the flag',
  'helm-chart-max-size': 'Helm size limits are fixed; remove the flag',
  'helm-chart-file-max-size': 'Helm size limits are fixed; remove the flag',
  'helm-cache-max-size': 'the Helm index cache has fixed settings; remove the flag',
  'helm-cache-ttl': 'the Helm index cache has fixed settings; remove the flag',
  'helm-cache-purge-interval': 'the Helm index cache has fixed settings; remove the flag',
  'ssh-kex-algos': 'SSH algorithms are the git client’s defaults',
  'ssh-hostkey-algos': 'SSH algorithms are the git client’s defaults',
  'oom-watch-interval': 'the near-OOM watcher is not implemented',
  'oom-watch-memory-threshold': 'the near-OOM watcher is not implemented',
  'oom-watch-max-memory-path': 'the near-OOM watcher is not implemented',
  'oom-watch-current-memory-path': 'the near-OOM watcher is not implemented',
  'snapshot-digest-algo': 'Helm release snapshots use sha256 only',
  'rate-limit-interval': 'notifications are rate-limited with a fixed window; remove the flag',
  'export-http-path-metrics': 'HTTP path metrics are not exported',
  'storage-value-log-file-size': 'image-reflector-controller is not part of Driftless',
  'gc-interval': 'image-reflector-controller is not part of Driftless',
  'aws-autologin-for-ecr': 'image-reflector-controller is not part of Driftless',
  'gcp-autologin-for-gcr': 'image-reflector-controller is not part of Driftless',
  'azure-autologin-for-acr': 'image-reflector-controller is not part of Driftless',
};

/** Error message for refused Flux flags given on the command line, or undefined when none was given. */
export function refusedFlagsMessage(given: readonly string[]): string | undefined {
  if (!given.length) return undefined;
  return (
    `Flux controller flag${given.length > 1 ? 's' : ''} not supported by Driftless:\n` +
    given.map((f) => `  --${f}: ${RefusedFluxFlags[f] ?? 'not supported'}`).join('\n')
  );
}

/**
 * Flux's `--feature-gates` (`Name=true,Other=false`). The gates in {@link SwitchableFeatureGates} change
 * Driftless's behaviour as Flux's; any other gate set to a value that is Driftless's fixed behaviour is
 * accepted, any other is refused by name.
 */
export const FeatureGateBehaviour: Readonly<Record<string, boolean>> = {
  // kustomize-controller / helm-controller: Secrets and ConfigMaps are read from the API server, uncached.
  CacheSecretsAndConfigMaps: false,
  // kustomize-/helm-controller: ExternalArtifact sources (sourceRef, chartRef) are always accepted.
  ExternalArtifact: true,
};

/** Gates Driftless honours either way, as Flux (default off). */
export const SwitchableFeatureGates: readonly string[] = [
  // kustomize-/helm-controller: spec.kubeConfig.configMapRef may name a serviceAccountName.
  'ObjectLevelWorkloadIdentity',
];

export function parseFeatureGates(value: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const refused: string[] = [];
  for (const raw of value.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`--feature-gates: "${part}" must be Name=true or Name=false`);
    const name = part.slice(0, eq).trim();
    const enabled = parseGoBool(part.slice(eq + 1).trim());
    out[name] = enabled;
    if (!SwitchableFeatureGates.includes(name) && FeatureGateBehaviour[name] !== enabled)
      refused.push(`${name}=${enabled}`);
  }
  if (refused.length)
    throw new Error(
      `--feature-gates: ${refused.join(', ')} not supported by Driftless (its gates: ${SwitchableFeatureGates.join(', ')}; others accepted only where the value is its fixed behaviour: ${Object.entries(
        FeatureGateBehaviour,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')})`,
    );
  return out;
}

/**
 * The leader Lease of a process: the base name when it serves every available group, else suffixed with
 * its groups (`driftless-leader-election-notification`), so processes running different groups elect
 * separately; then the shard suffix of {@link shardLeaseName}.
 */
export function leaseNameFor(
  base: string,
  served: readonly string[],
  available: readonly string[],
  labelSelector: string | undefined,
): string {
  const all = [...available, OperatorComponent];
  const everything = all.every((c) => served.includes(c));
  const groups = ReconcilerGroups.filter((g) => g.components.some((c) => served.includes(c))).map((g) => g.name);
  return shardLeaseName(everything ? base : `${base}-${groups.join('-')}`, labelSelector);
}
