import { Command, Option } from 'commander';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { connect, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import { readyColumns, type FluxResource } from './flux-object.ts';
import { kindSummary, parseKindArgs, suspensionOf, type FluxKind } from './kinds.ts';
import {
  paint,
  processIo,
  renderTable,
  titleBool,
  truncateHex,
  type CellStyle,
  type CliIo,
  type CommandOptions,
} from './output.ts';

type GetFlags = ClusterFlags & { output: 'table' | 'yaml' | 'json'; header: boolean };

/** The objects of one kind that a `get` found. */
export interface KindResult {
  kind: FluxKind;
  items: FluxResource[];
}

/** Table header of `get` (flux's columns; NAMESPACE first with `-A`). */
export function summaryHeader(includeNamespace: boolean): string[] {
  const h = ['Name', 'Revision', 'Suspended', 'Ready', 'Message'];
  return includeNamespace ? ['Namespace', ...h] : h;
}

/** One `get` row: name (`kind/name` for `get all`), revision and message with hashes shortened, suspend, Ready. */
export function summaryRow(
  kind: FluxKind,
  obj: FluxResource,
  opts: { includeNamespace: boolean; includeKind: boolean },
): string[] {
  const name = opts.includeKind ? `${kind.kind.toLowerCase()}/${obj.metadata.name}` : obj.metadata.name;
  const { ready, message } = readyColumns(obj);
  const row = [
    name,
    truncateHex(kind.revision(obj)),
    titleBool(suspensionOf(kind).isSuspended(obj)),
    ready,
    truncateHex(message),
  ];
  return opts.includeNamespace ? [obj.metadata.namespace ?? '', ...row] : row;
}

/** Lists the objects of each kind (one namespace or all); with `skipUnserved`, kinds without a CRD are left out. */
export async function listKinds(
  client: KubeClient,
  kinds: readonly FluxKind[],
  opts: { namespace?: string; name?: string; skipUnserved?: boolean },
): Promise<KindResult[]> {
  const results: KindResult[] = [];
  for (const kind of kinds) {
    try {
      // One answer, not pages of 500, as flux lists: a paged list costs the API server an extra read per page.
      const list = await client.list<FluxResource>(kind.apiVersion, kind.kind, {
        limit: 0,
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
        ...(opts.name ? { fieldSelector: `metadata.name=${opts.name}` } : {}),
      });
      results.push({ kind, items: list.items });
    } catch (err) {
      if (opts.skipUnserved && err instanceof KubeApiError && err.reason === 'NoKindMatch') continue;
      throw err;
    }
  }
  return results;
}

/** An object as printed by `-o yaml|json`: without `managedFields`, as kubectl shows it by default. */
export function forDisplay<T extends KubeObject>(obj: T): T {
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata } as T;
}

const readyStyle =
  (readyColumn: number, color: boolean): CellStyle =>
  (text, column) => {
    if (column !== readyColumn) return text;
    if (text.startsWith('True')) return paint(text, 'green', color);
    if (text.startsWith('False')) return paint(text, 'red', color);
    return paint(text, 'yellow', color);
  };

async function render(
  results: KindResult[],
  flags: GetFlags,
  all: boolean,
  io: CliIo,
  named: boolean,
): Promise<string> {
  const items = results.flatMap((r) => r.items.map(forDisplay));
  if (flags.output === 'json' || flags.output === 'yaml') {
    const value = named && items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items };
    if (flags.output === 'json') return `${JSON.stringify(value, null, 2)}\n`;
    // The YAML library is loaded only for `-o yaml`: the table, the common case, starts faster without it.
    const { stringify } = await import('yaml');
    return stringify(value, { lineWidth: 0 });
  }
  const includeNamespace = flags.allNamespaces === true;
  const header = flags.header ? summaryHeader(includeNamespace) : [];
  const style = readyStyle(includeNamespace ? 4 : 3, io.color);
  const tables = results
    .filter((r) => r.items.length > 0)
    .map((r) =>
      renderTable(
        header,
        r.items.map((o) => summaryRow(r.kind, o, { includeNamespace, includeKind: all })),
        style,
      ),
    );
  return tables.join(all ? '\n' : '');
}

/** `driftless get <kind>|all [name] [-A] [-o table|yaml|json]`: Flux objects and their status, as `flux get`. */
export function getCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('get')
    .description(`print Flux objects and their status; kinds: ${kindSummary()} or all`)
    .argument('<kind...>', 'kind words (e.g. `sources git`, `kustomizations`, `ks`, `all`) and an optional object name')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
    .option('--no-header', 'leave out the table header');
  withClusterFlags(cmd, { allNamespaces: true });
  return cmd.action(async (args: string[], flags: GetFlags) => {
    const io = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const selection = parseKindArgs(args);
      const name = selection.rest[0];
      if (selection.rest.length > 1) {
        throw new CliError({
          reason: 'InvalidArgument',
          message: `expected at most one object name, got: ${selection.rest.join(' ')}`,
        });
      }
      const client = await connect(flags);
      const namespace = flags.allNamespaces ? undefined : flags.namespace;
      const results = await listKinds(client, selection.kinds, {
        ...(namespace ? { namespace } : {}),
        ...(name ? { name } : {}),
        skipUnserved: selection.all,
      });
      const where = flags.allNamespaces ? 'any namespace' : `"${flags.namespace}" namespace`;
      const found = results.reduce((n, r) => n + r.items.length, 0);
      if (found === 0 && !selection.all) {
        const kind = selection.kinds[0]?.kind ?? 'Flux';
        throw new CliError({
          reason: 'NotFound',
          message: name ? `${kind} object '${name}' not found in ${where}` : `no ${kind} objects found in ${where}`,
        });
      }
      io.out.write(await render(results, flags, selection.all, io, name !== undefined));
    });
  });
}
