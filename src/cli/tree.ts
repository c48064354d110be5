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

/**
 * A Kustomization or HelmRelease as the tree reads it: its inventory (a HelmRelease's `status.inventory` lists its
 * release's objects), and whether it applies to another cluster.
 */
export type InventoryHolder = FluxResource & {
  spec?: { kubeConfig?: unknown };
  status?: { inventory?: { entries?: { id: string; v: string }[] } };
};

const isKustomization = (r: ObjectIdentity): boolean => r.group === Groups.kustomize && r.kind === Kinds.Kustomization;
const isHelmRelease = (r: ObjectIdentity): boolean => r.group === Groups.helm && r.kind === Kinds.HelmRelease;

/** Reads a Kustomization or HelmRelease named by an inventory entry (undefined: gone or unreadable). */
export type HolderReader = (id: ObjectIdentity) => Promise<InventoryHolder | undefined>;

/**
 * The inventory of `root` (a Kustomization or a HelmRelease) as a tree: entries in inventory order; nested
 * Kustomizations and HelmReleases (same cluster) expanded with their own inventories, as `flux tree` expands a
 * HelmRelease with its release's objects; one already expanded higher up the path stays a leaf, so a cycle ends.
 * `compact` keeps only Flux objects (`*.toolkit.fluxcd.io`). A nested object that cannot be read stays a leaf.
 * Throws InvalidInventoryIdError for a malformed inventory entry.
 */
export async function inventoryTree(
  root: InventoryHolder,
  opts: { read: HolderReader; compact?: boolean },
): Promise<TreeNode> {
  const helm = root.kind === Kinds.HelmRelease;
  const self: ObjectIdentity = {
    namespace: root.metadata.namespace ?? '',
    name: root.metadata.name,
    group: helm ? Groups.helm : Groups.kustomize,
    kind: helm ? Kinds.HelmRelease : Kinds.Kustomization,
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
      if (!(isKustomization(id) || isHelmRelease(id)) || ks.spec?.kubeConfig || path.has(key(id))) continue;
      const nested = await opts.read(id);
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

async function readHolder(
  client: KubeClient,
  kindName: string,
  namespace: string,
  name: string,
): Promise<InventoryHolder | undefined> {
  const kind = kindByName(kindName);
  if (!kind) return undefined;
  return await client.get<InventoryHolder>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
}

type TreeFlags = ClusterFlags & { compact: boolean; output: 'tree' | 'json' | 'yaml' };

/**
 * `driftless tree kustomization|helmrelease <name> [--compact] [-o json|yaml]`: what a Kustomization or a
 * HelmRelease applied, nested ones expanded (`flux tree` takes Kustomizations only).
 */
export function treeCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('tree')
    .description(
      'print the objects a Kustomization or HelmRelease applied as a tree; nested Kustomizations and HelmReleases are expanded',
    )
    .argument('<kind>', 'kustomization (ks) or helmrelease (hr)')
    .argument('<name>', 'name of the object')
    .option('--compact', 'only Flux objects', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['tree', 'json', 'yaml']).default('tree'));
  withClusterFlags(cmd);
  return cmd.action(async (kindWord: string, name: string, flags: TreeFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const kind = findKind(kindWord)?.kind;
      if (kind !== Kinds.Kustomization && kind !== Kinds.HelmRelease) {
        throw new CliError({
          reason: 'UnknownKind',
          message: `tree supports kustomization (ks) and helmrelease (hr), got "${kindWord}"`,
        });
      }
      const client = await connect(flags);
      const root = await readHolder(client, kind, flags.namespace, name);
      if (!root)
        throw new CliError({
          reason: 'NotFound',
          message: `${kind} object '${name}' not found in "${flags.namespace}" namespace`,
        });
      const tree = await inventoryTree(root, {
        compact: flags.compact,
        read: (id) => readHolder(client, id.kind, id.namespace, id.name),
      });
      if (flags.output === 'json') io.out.write(`${JSON.stringify(tree, null, 2)}\n`);
      else if (flags.output === 'yaml') io.out.write(stringify(tree, { lineWidth: 0 }));
      else io.out.write(renderTree(tree));
    });
  });
}
