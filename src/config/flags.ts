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

// Kubernetes label syntax (apimachinery validation): a qualified name, optionally prefixed by a DNS subdomain.
const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!prefix || prefix.length > 253 || !SUBDOMAIN.test(prefix)))
    throw new Error(`label key "${key}": the prefix must be a DNS subdomain (e.g. sharding.fluxcd.io)`);
  if (!name || name.length > 63 || !NAME.test(name))
    throw new Error(
      `label key "${key}": the name must be 1-63 characters, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`,
    );
}

function checkValue(value: string): void {
  if (value === '') return;
  if (value.length > 63 || !NAME.test(value))
    throw new Error(
      `label value "${value}": must be at most 63 characters, alphanumeric, '-', '_' or '.', starting and ending alphanumeric`,
    );
}

/** One requirement of a label selector, as the API server reads it. */
export interface LabelRequirement {
  key: string;
  operator: 'exists' | 'notexists' | 'in' | 'notin';
  values: string[];
}

/**
 * Parses a label selector as Flux's `--watch-label-selector` (`metav1.ParseToLabelSelector`): comma-separated
 * `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`. Throws, naming
 * the bad part, on anything else (including the `>`/`<` operators, which Flux refuses too).
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  const s = selector.trim();
  if (!s) throw new Error('the label selector is empty');
  // Split on commas outside parentheses.
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new Error(`unbalanced ")" in label selector "${selector}"`);
    if (c === ',' && depth === 0) {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new Error(`unbalanced "(" in label selector "${selector}"`);
  terms.push(s.slice(start));
  return terms.map((raw) => {
    const term = raw.trim();
    if (!term) throw new Error(`empty requirement in label selector "${selector}"`);
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([^\s=!<>(),]+)$/.exec(term))) {
      checkKey(m[1]!);
      return { key: m[1]!, operator: 'notexists', values: [] };
    }
    if ((m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term))) {
      checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '')
        throw new Error(`"${term}": ${m[2]} needs at least one value in label selector "${selector}"`);
      values.forEach(checkValue);
      return { key: m[1]!, operator: m[2] as 'in' | 'notin', values };
    }
    if ((m = /^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/.exec(term))) {
      checkKey(m[1]!);
      checkValue(m[3]!);
      return { key: m[1]!, operator: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
    }
    if (/^[^\s=!<>(),]+\s*[<>]/.test(term))
      throw new Error(`"${term}": the > and < operators are not supported in label selectors (as in Flux)`);
    if ((m = /^([^\s=!<>(),]+)$/.exec(term))) {
      checkKey(m[1]!);
      return { key: m[1]!, operator: 'exists', values: [] };
    }
    throw new Error(
      `"${term}" is not a label requirement (expected key, !key, key=value, key!=value, key in (a,b) or key notin (a,b))`,
    );
  });
}

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
  { name: 'source', components: ['source-controller'] },
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
  'default-kubeconfig-service-account': 'remote clusters (spec.kubeConfig) use the kubeconfig Secret only',
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
  'watch-configs-label-selector': 'ConfigMaps and Secrets are not watched; changes to them apply on the next interval',
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
 * Flux's `--feature-gates` (`Name=true,Other=false`). Driftless has no feature gates of its own; a gate
 * set to a value that is Driftless's fixed behaviour is accepted, any other is refused by name.
 */
export const FeatureGateBehaviour: Readonly<Record<string, boolean>> = {
  // kustomize-controller / helm-controller: Secrets and ConfigMaps are read from the API server, uncached.
  CacheSecretsAndConfigMaps: false,
};

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
    if (FeatureGateBehaviour[name] !== enabled) refused.push(`${name}=${enabled}`);
  }
  if (refused.length)
    throw new Error(
      `--feature-gates: ${refused.join(', ')} not supported by Driftless (it has no feature gates; accepted only where the value is its fixed behaviour: ${Object.entries(
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
