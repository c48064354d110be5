import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { Groups, Kinds } from '../api/constants.ts';
import { parseInventoryId, type ObjectIdentity } from '../api/inventory.ts';
import type { KubeClient } from '../kube/client.ts';
import { connect, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import type { FluxResource } from './flux-object.ts';
import { findKind, kindByName } from './kinds.ts';
import { processIo, type CommandOptions } from './output.ts';

/** One object in the tree and the objects it manages. */
export interface TreeNode {
  resource: ObjectIdentity;
  resources: TreeNode[];
}

/** A Kustomization as the tree reads it: its inventory, and whether it applies to another cluster. */
export type InventoryHolder = FluxResource & {
  spec?: { kubeConfig?: unknown };
  status?: { inventory?: { entries?: { id: string; v: string }[] } };
};

const isKustomization = (r: ObjectIdentity): boolean => r.group === Groups.kustomize && r.kind === Kinds.Kustomization;

/**
 * The inventory of `root` as a tree: entries in inventory order; nested Kustomizations (same cluster)
 * expanded with their own inventories; one already expanded higher up the path stays a leaf, so a cycle ends.
 * `compact` keeps only Flux objects (`*.toolkit.fluxcd.io`). A nested Kustomization that cannot be
 * read stays a leaf. Throws InvalidInventoryIdError for a malformed inventory entry.
 */
export async function inventoryTree(
  root: InventoryHolder,
  opts: { getKustomization(namespace: string, name: string): Promise<InventoryHolder | undefined>; compact?: boolean },
): Promise<TreeNode> {
  const self: ObjectIdentity = {
    namespace: root.metadata.namespace ?? '',
    name: root.metadata.name,
    group: Groups.kustomize,
    kind: Kinds.Kustomization,
  };
  const key = (r: ObjectIdentity): string => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
  const expand = async (ks: InventoryHolder, node: TreeNode, path: Set<string>): Promise<void> => {
    for (const entry of ks.status?.inventory?.entries ?? []) {
      const id = parseInventoryId(entry.id);
      if (opts.compact && !id.group.includes('toolkit.fluxcd.io')) continue;
      // A Kustomization listing itself is left out, as flux does.
      if (key(id) === key(node.resource)) continue;
      const child: TreeNode = { resource: id, resources: [] };
      node.resources.push(child);
      // An ancestor met again is shown but not expanded, so a cycle ends here.
      if (!isKustomization(id) || ks.spec?.kubeConfig || path.has(key(id))) continue;
      const nested = await opts.getKustomization(id.namespace, id.name);
      if (nested) await expand(nested, child, new Set([...path, key(id)]));
    }
  };
  const tree: TreeNode = { resource: self, resources: [] };
  await expand(root, tree, new Set([key(self)]));
  return tree;
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects (flux's FmtObjMetadata). */
export const nodeText = (r: ObjectIdentity): string =>
  r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;

/** The tree drawn with `├──`, `│`, `└──` as `flux tree` prints it. */
export function renderTree(tree: TreeNode): string {
  const lines = [nodeText(tree.resource)];
  const walk = (nodes: TreeNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${nodeText(n.resource)}`);
      walk(n.resources, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(tree.resources, '');
  return `${lines.join('\n')}\n`;
}

async function readKustomization(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<InventoryHolder | undefined> {
  const kind = kindByName(Kinds.Kustomization);
  if (!kind) return undefined;
  return await client.get<InventoryHolder>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
}

type TreeFlags = ClusterFlags & { compact: boolean; output: 'tree' | 'json' | 'yaml' };

/** `driftless tree kustomization <name> [--compact] [-o json|yaml]`: what a Kustomization applied, nested ones expanded. */
export function treeCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('tree')
    .description('print the objects a Kustomization applied as a tree; nested Kustomizations are expanded')
    .argument('<kind>', 'kustomization (or ks)')
    .argument('<name>', 'name of the Kustomization')
    .option('--compact', 'only Flux objects', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['tree', 'json', 'yaml']).default('tree'));
  withClusterFlags(cmd);
  return cmd.action(async (kindWord: string, name: string, flags: TreeFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      if (findKind(kindWord)?.kind !== Kinds.Kustomization) {
        throw new CliError({ reason: 'UnknownKind', message: `tree supports kustomization (ks), got "${kindWord}"` });
      }
      const client = await connect(flags);
      const root = await readKustomization(client, flags.namespace, name);
      if (!root)
        throw new CliError({
          reason: 'NotFound',
          message: `Kustomization object '${name}' not found in "${flags.namespace}" namespace`,
        });
      const tree = await inventoryTree(root, {
        compact: flags.compact,
        getKustomization: (ns, n) => readKustomization(client, ns, n),
      });
      if (flags.output === 'json') io.out.write(`${JSON.stringify(tree, null, 2)}\n`);
      else if (flags.output === 'yaml') io.out.write(stringify(tree, { lineWidth: 0 }));
      else io.out.write(renderTree(tree));
    });
  });
}
