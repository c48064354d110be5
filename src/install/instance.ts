// `driftless install --instance <file>`: the FluxInstance that shapes the install (pure). Its components and
// sharding are checked here, before anything is applied, with the same reading the reconciler uses later.
import { parseAllDocuments } from 'yaml';
import { FluxInstanceName, FluxInstanceTypeMeta, type FluxInstance } from '../api/flux-instance.ts';
import { instanceProcesses } from '../api/flux-instance-processes.ts';

/**
 * Reads the one FluxInstance in `yaml` (from `file`, named in errors) and checks that Driftless can install
 * it in `namespace`: kind and apiVersion, name `flux`, its namespace (unset or `namespace`), components this
 * version has (`available`), and sharding (persistent storage refused by name). Throws an Error naming the
 * file, the field and the fix.
 */
export function readInstance(
  yaml: string,
  file: string,
  namespace: string,
  available: readonly string[],
): FluxInstance {
  const docs = parseAllDocuments(yaml)
    .map((d) => {
      if (d.errors.length) throw new Error(`${file}: not valid YAML: ${d.errors[0]?.message ?? ''}`);
      return d.toJS() as unknown;
    })
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  const instances = docs.filter((d) => d['kind'] === FluxInstanceTypeMeta.kind);
  if (instances.length !== 1) throw new Error(`${file}: expected exactly one FluxInstance, found ${instances.length}`);
  const instance = instances[0] as unknown as FluxInstance;
  const where = `${file}: FluxInstance ${instance.metadata?.name ?? '(no name)'}`;
  const problems: string[] = [];
  if (instance.apiVersion !== FluxInstanceTypeMeta.apiVersion)
    problems.push(`apiVersion must be ${FluxInstanceTypeMeta.apiVersion}, not ${String(instance.apiVersion)}`);
  if (instance.metadata?.name !== FluxInstanceName) problems.push(`metadata.name must be ${FluxInstanceName}`);
  const ns = instance.metadata?.namespace;
  if (ns && ns !== namespace)
    problems.push(
      `metadata.namespace is ${ns} but the install namespace is ${namespace}: a FluxInstance is reconciled only in the manager's namespace (use --namespace ${ns})`,
    );
  if (!instance.spec?.distribution) problems.push('spec.distribution (version, registry) is required');
  for (const c of instance.spec?.components ?? [])
    if (!available.includes(c))
      problems.push(
        `spec.components: ${c} is not available in this Driftless version (available: ${available.join(', ')})`,
      );
  if (problems.length) throw new Error(`${where}:\n  ${problems.join('\n  ')}`);
  try {
    instanceProcesses(instance.spec);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  return instance;
}
