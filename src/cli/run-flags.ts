// The `driftless run` flags that follow Flux's controllers beyond plain values: Go-style booleans
// (`--flag`, `--flag=false`, `--flag false`), sharding and namespace scoping, reconciler groups, logging,
// feature gates, and the Flux flags refused by name. Parsing is in src/config/flags.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  parseControllers,
  parseFeatureGates,
  parseGoBool,
  parseLabelSelector,
  RefusedFluxFlags,
  refusedFlagsMessage,
} from '../config/flags.ts';
import type { ManagerConfig } from '../config/manager-config.ts';
import { DefaultWatchConfigsLabelSelector } from '../api/constants.ts';

const invalid =
  <T>(parse: (v: string) => T) =>
  (v: string): T => {
    try {
      return parse(v);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };

/**
 * A boolean flag as pflag's: `--name` is true, `--name=false` / `--name false` set it explicitly. A name
 * starting with `--no-` keeps its own meaning (`--no-cross-namespace-refs=true` refuses cross-namespace
 * references), not commander's negation.
 */
export function goBoolOption(flags: string, description: string, defaultValue: boolean): Option {
  const opt = new Option(`${flags} [bool]`, description)
    .argParser(invalid(parseGoBool))
    .preset('true')
    .default(defaultValue);
  opt.negate = false;
  return opt;
}

const LogLevels = ['trace', 'debug', 'info', 'warn', 'error'];

/** Adds the Flux-style flags that need more than commander's plain `--flag <value>`. */
export function withFluxFlags(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--watch-label-selector <selector>',
        'reconcile only Flux objects whose labels match (sharding, e.g. sharding.fluxcd.io/key=shard1 or !sharding.fluxcd.io/key); each selector has its own leader Lease',
      ).argParser(invalid((v) => (parseLabelSelector(v), v))),
    )
    .addOption(
      new Option(
        '--watch-configs-label-selector <selector>',
        'referenced ConfigMaps and Secrets with matching labels reconcile their Kustomizations, HelmReleases and Receivers at once when they change ("" or owner!=helm: every one but Helm storage)',
      )
        .argParser(invalid((v) => (v === '' ? v : (parseLabelSelector(v), v))))
        .default(DefaultWatchConfigsLabelSelector),
    )
    .addOption(
      new Option(
        '--controllers <groups>',
        'reconciler groups this process runs, comma-separated: source, kustomize, helm, notification, image, operator (FluxReport/FluxInstance), or Flux controller names (source-controller, …); default: all available',
      ),
    )
    .addOption(
      new Option('--log-encoding <encoding>', 'log encoding; only json (Flux’s default) is implemented').argParser(
        invalid((v) => {
          if (v !== 'json') throw new Error(`log encoding "${v}" is not supported: Driftless logs JSON only`);
          return v;
        }),
      ),
    )
    .addOption(
      new Option(
        '--feature-gates <gates>',
        'Flux feature gates (Name=true,…): ObjectLevelWorkloadIdentity as Flux; any other is refused where it would change Driftless’s behaviour',
      ).argParser(invalid(parseFeatureGates)),
    )
    .addOption(
      goBoolOption(
        '--leader-election-release-on-cancel',
        'step down on shutdown so a follower takes over at once (always true)',
        true,
      ).argParser(
        invalid((v) => {
          if (!parseGoBool(v))
            throw new Error('--leader-election-release-on-cancel=false is not supported: the Lease is always released');
          return true;
        }),
      ),
    )
    // notification-controller's spelling of --receiver-addr.
    .addOption(
      new Option('--receiverAddr <addr>', 'same as --receiver-addr (notification-controller’s name)').hideHelp(),
    );
  cmd.hook('preAction', (c) => {
    // As controller-runtime in a Pod: the Lease lives in the Pod's namespace unless the flag says otherwise.
    const runtimeNamespace = process.env['RUNTIME_NAMESPACE'];
    if (runtimeNamespace && c.getOptionValueSource('leaderElectionNamespace') === 'default')
      c.setOptionValueWithSource('leaderElectionNamespace', runtimeNamespace, 'env');
    // Two processes of one shard without a Lease would both reconcile its objects: refused rather than risked.
    if (c.getOptionValue('watchLabelSelector') && !c.getOptionValue('enableLeaderElection'))
      c.error(
        'error: --watch-label-selector needs --enable-leader-election: every replica of a shard must share its Lease, or two processes would reconcile the same objects',
      );
  });
  for (const name of Object.keys(RefusedFluxFlags)) {
    cmd.addOption(new Option(`--${name} [value]`, `refused: ${RefusedFluxFlags[name]}`).hideHelp());
  }
  return cmd;
}

/** Attribute name commander gives a long flag. */
const attributeOf = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The config the Flux-style flags give, checked as a whole; throws with every problem at once (refused
 * flags by name, an unknown reconciler group, a log level pino does not have).
 */
export function fluxFlagConfig(
  o: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  /** Components this version can serve (main.ts availableComponents()). */
  available: readonly string[] = ['source-controller', 'kustomize-controller', 'notification-controller'],
): Partial<ManagerConfig> & Pick<ManagerConfig, 'watchAllNamespaces' | 'runtimeNamespace' | 'noCrossNamespaceRefs'> {
  const problems: string[] = [];
  const refused = Object.keys(RefusedFluxFlags).filter((f) => o[attributeOf(f)] !== undefined);
  const message = refusedFlagsMessage(refused);
  if (message) problems.push(message);
  let controllers: string[] | undefined;
  try {
    if (o['controllers'] !== undefined)
      controllers = parseControllers(o['controllers'] as string | undefined, available);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const logLevel = o['logLevel'] as string | undefined;
  if (logLevel !== undefined && !LogLevels.includes(logLevel))
    problems.push(`--log-level: "${logLevel}" is not one of ${LogLevels.join(', ')}`);
  if (problems.length) throw new Error(problems.join('\n'));
  const out: ReturnType<typeof fluxFlagConfig> = {
    enableLeaderElection: o['enableLeaderElection'] as boolean,
    watchAllNamespaces: o['watchAllNamespaces'] as boolean,
    // As Flux: the runtime namespace is the Pod's (RUNTIME_NAMESPACE from the downward API).
    runtimeNamespace: env['RUNTIME_NAMESPACE'] || 'flux-system',
    noCrossNamespaceRefs: o['noCrossNamespaceRefs'] as boolean,
    noRemoteBases: o['noRemoteBases'] as boolean,
    driftWatch: !(o['noDriftWatch'] as boolean),
  };
  if (controllers) out.controllers = controllers;
  if (o['watchLabelSelector']) out.watchLabelSelector = o['watchLabelSelector'] as string;
  if (typeof o['watchConfigsLabelSelector'] === 'string')
    out.watchConfigsLabelSelector = o['watchConfigsLabelSelector'];
  const gates = o['featureGates'] as Record<string, boolean> | undefined;
  if (gates?.['ObjectLevelWorkloadIdentity']) out.objectLevelWorkloadIdentity = true;
  const kubeConfigSa = o['defaultKubeconfigServiceAccount'] as string | undefined;
  if (kubeConfigSa) {
    // Flux's InconsistentObjectLevelConfiguration: a default identity for tenants needs the gate.
    if (!out.objectLevelWorkloadIdentity)
      throw new Error(
        'invalid configuration: cannot set default service accounts when the feature gate ObjectLevelWorkloadIdentity is not enabled',
      );
    out.defaultKubeConfigServiceAccount = kubeConfigSa;
  }
  return out;
}
