import { Command } from 'commander';
import type { KubeClient } from '../kube/client.ts';
import { isGone } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { connect, deadline, withClusterFlags, type ClusterFlags } from './cluster.ts';
import { CliError, runAction } from './errors.ts';
import type { FluxResource } from './flux-object.ts';
import { fluxKinds, parseKindName } from './kinds.ts';
import { humanAge, paint, processIo, renderTable, Reporter, type CliIo, type CommandOptions } from './output.ts';

/** A core/v1 Event, the fields the table reads. */
export type CoreEvent = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
};

const ms = (t: string | null | undefined): number | undefined => (t ? Date.parse(t) : undefined);

/** When the event last happened: series last observed, else lastTimestamp, else eventTime (kubectl's order). */
export function eventTime(e: CoreEvent): number {
  return ms(e.series?.lastObservedTime) ?? ms(e.lastTimestamp) ?? ms(e.eventTime) ?? 0;
}

/** Events oldest first (stable for equal times), as `kubectl events` and `flux events` print them. */
export function sortEvents(events: readonly CoreEvent[]): CoreEvent[] {
  return [...events].sort((a, b) => eventTime(a) - eventTime(b));
}

/** LAST SEEN: `5m`, or `5m (x3 over 1h)` for repeated events. */
export function lastSeen(e: CoreEvent, now: Date): string {
  const since = (t: string | null | undefined): string => {
    const at = ms(t);
    return at === undefined ? '<unknown>' : humanAge(now.getTime() - at);
  };
  const first = e.eventTime ? since(e.eventTime) : since(e.firstTimestamp);
  if (e.series) return `${since(e.series.lastObservedTime)} (x${e.series.count ?? 0} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp)} (x${e.count} over ${first})`;
  return first;
}

/** True for events about Flux objects: a `*.toolkit.fluxcd.io` or `fluxcd.controlplane.io` group, or a kind the CLI serves. */
export function isFluxEvent(e: CoreEvent): boolean {
  const { apiVersion, kind } = e.involvedObject;
  const group = apiVersion?.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group.endsWith('.toolkit.fluxcd.io') || group === 'fluxcd.controlplane.io') return true;
  return fluxKinds.some((k) => k.kind === kind);
}

/** Table header of `events`. */
export function eventHeader(showNamespace: boolean): string[] {
  const h = ['Last seen', 'Type', 'Reason', 'Object', 'Message'];
  return showNamespace ? ['Namespace', ...h] : h;
}

/** One `events` row. */
export function eventRow(e: CoreEvent, now: Date, showNamespace: boolean): string[] {
  const row = [
    lastSeen(e, now),
    e.type ?? '',
    e.reason ?? '',
    `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`,
    e.message ?? '',
  ];
  return showNamespace ? [e.metadata.namespace ?? '', ...row] : row;
}

interface EventQuery {
  namespace?: string;
  fieldSelector?: string;
}

type EventsFlags = ClusterFlags & { for?: string; watch: boolean; types?: string };

const selector = (kind: string, name?: string): string =>
  name ? `involvedObject.kind=${kind},involvedObject.name=${name}` : `involvedObject.kind=${kind}`;

/** The queries for `--for Kind/name`: the object's events, plus its source's (possibly in another namespace). */
async function queriesFor(
  client: KubeClient,
  forArg: string | undefined,
  namespace: string | undefined,
): Promise<EventQuery[]> {
  const base: EventQuery = namespace ? { namespace } : {};
  if (!forArg) return [base];
  const { kind, name } = parseKindName(forArg);
  const queries: EventQuery[] = [{ ...base, fieldSelector: selector(kind.kind, name) }];
  if (!name || !kind.sourceRef) return queries;
  if (!namespace)
    throw new CliError({ reason: 'InvalidArgument', message: '--for Kind/name needs a namespace (-n), not -A' });
  const obj = await client.get<FluxResource>({ apiVersion: kind.apiVersion, kind: kind.kind, namespace, name });
  if (!obj)
    throw new CliError({
      reason: 'NotFound',
      message: `${kind.kind} object '${name}' not found in "${namespace}" namespace`,
    });
  const source = kind.sourceRef(obj);
  if (source) queries.push({ namespace: source.namespace, fieldSelector: selector(source.kind, source.name) });
  return queries;
}

function parseTypes(types: string | undefined): Set<string> | undefined {
  if (!types) return undefined;
  const set = new Set(
    types
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const t of set) {
    if (t !== 'normal' && t !== 'warning')
      throw new CliError({ reason: 'InvalidArgument', message: `type '${t}' not supported: use Normal or Warning` });
  }
  return set;
}

async function watchEvents(
  client: KubeClient,
  q: EventQuery,
  resourceVersion: string,
  signal: AbortSignal,
  onEvent: (e: CoreEvent) => void,
): Promise<void> {
  let rv = resourceVersion;
  while (!signal.aborted) {
    try {
      await client.watch('v1', 'Event', {
        ...q,
        resourceVersion: rv,
        signal,
        onEvent: (ev) => {
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onEvent(ev.object as CoreEvent);
        },
      });
    } catch (err) {
      // An expired resourceVersion only means we restart from now; events already printed stay printed.
      if (!isGone(err)) throw err;
      rv = (await client.list('v1', 'Event', { ...q, limit: 1 })).resourceVersion;
    }
  }
}

/** `driftless events [--for Kind/name] [-A] [-w]`: Kubernetes events of Flux objects, oldest first, as `flux events`. */
export function eventsCommand(opts: CommandOptions = {}): Command {
  const cmd = new Command('events')
    .description('print Kubernetes events of Flux objects (with --for Kind/name, also of its source)')
    .option('--for <kind/name>', 'only events of this object (e.g. Kustomization/my-app) or kind')
    .option('-w, --watch', 'keep printing new events until interrupted or --timeout', false)
    .option('--types <types>', 'comma-separated event types: Normal, Warning');
  withClusterFlags(cmd, { allNamespaces: true });
  return cmd.action(async (flags: EventsFlags) => {
    const io: CliIo = (opts.io ?? processIo)();
    await runAction(io, async () => {
      const types = parseTypes(flags.types);
      const namespace = flags.allNamespaces ? undefined : flags.namespace;
      const client = await connect(flags);
      const queries = await queriesFor(client, flags.for, namespace);
      const showNamespace = !namespace || queries.some((q) => q.namespace !== namespace);
      const keep = (e: CoreEvent): boolean => isFluxEvent(e) && (!types || types.has((e.type ?? '').toLowerCase()));
      const byUid = new Map<string, CoreEvent>();
      const versions: string[] = [];
      for (const q of queries) {
        const list = await client.list<CoreEvent>('v1', 'Event', q);
        versions.push(list.resourceVersion);
        for (const e of list.items)
          if (keep(e)) byUid.set(e.metadata.uid ?? `${e.metadata.namespace}/${e.metadata.name}`, e);
      }
      const events = sortEvents([...byUid.values()]);
      const now = io.now();
      const warn = (text: string, col: number, row: number): string =>
        col === (showNamespace ? 2 : 1) && events[row]?.type === 'Warning' ? paint(text, 'yellow', io.color) : text;
      if (events.length)
        io.out.write(
          renderTable(
            eventHeader(showNamespace),
            events.map((e) => eventRow(e, now, showNamespace)),
            warn,
          ),
        );
      else if (!flags.watch)
        new Reporter(io).failure(namespace ? `No events found in ${namespace} namespace.` : 'No events found.');
      if (!flags.watch) return;
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const signal = AbortSignal.any([controller.signal, deadline(flags)]);
      let printedHeader = events.length > 0;
      const print = (e: CoreEvent): void => {
        if (!keep(e)) return;
        io.out.write(
          renderTable(printedHeader ? [] : eventHeader(showNamespace), [eventRow(e, io.now(), showNamespace)]),
        );
        printedHeader = true;
      };
      try {
        await Promise.all(queries.map((q, i) => watchEvents(client, q, versions[i] ?? '', signal, print)));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
  });
}
