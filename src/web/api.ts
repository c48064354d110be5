// The dashboard's HTTP API and the built browser UI, as one Hono app. Everything is read from the
// engine's informer caches (and its in-memory logs); only an object page asks the API server (its events,
// the health of the objects it applied), each read bounded by a deadline (detail.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import type { KubeObject } from '../kube/types.ts';
import type { DashboardEvent } from './event-log.ts';
import type { DashboardSources } from './sources.ts';
import { countStatuses, ObjectStatuses, rowOf, type ObjectRow, type ObjectStatus } from './status.ts';
import { SseBroadcaster, sseFrame } from './stream.ts';
import { callerOf, registerActions, type ActionsOptions } from './actions.ts';
import type { AccessReviewer } from './auth.ts';
import { detail } from './detail.ts';
import { buildGraph } from './graph.ts';
import { RevisionTimeline } from './timeline.ts';

export { DetailStringChars } from './detail.ts';

export type { CachedKind, DashboardSources, KindCache } from './sources.ts';

export interface DashboardAppOptions {
  /** Directory of the built UI (index.html, app.js, app.css); the API works without it. */
  assetsDir?: string;
  /** Accepts a request's Host header (guards a loopback server against DNS rebinding); default: any. */
  hostAllowed?: (host: string) => boolean;
  /** Per-client SSE queue, in messages. */
  streamBuffer?: number;
  /** How long object changes are gathered into one SSE message (default 200 ms). */
  coalesceMs?: number;
  keepAliveMs?: number;
  /** How long an object page waits for the API server before it shows what it has and the error (default 3 s). */
  apiDeadlineMs?: number;
  /** Who may read and act; without it the API is read-only and open (the loopback default of old). */
  auth?: DashboardAuth;
}

export interface DashboardAuth {
  reviewer?: AccessReviewer;
  /** Reading needs a bearer token too (off loopback, unless the operator allowed the read-only view). */
  readRequiresToken: boolean;
  /** Actions need a bearer token (always off loopback; on loopback with --web-auth=token). */
  actionsRequireToken: boolean;
  client: ActionsOptions['client'];
}

export const DefaultPageSize = 100;
export const MaxPageSize = 500;
const securityHeaders: Record<string, string> = {
  // No inline script or style at all: even a value that escaped escaping could not run.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const assetTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The API and UI app, plus `close()` that ends the live streams. */
export function createDashboardApp(
  src: DashboardSources,
  opts: DashboardAppOptions = {},
): { app: Hono; broadcaster: SseBroadcaster; close(): void } {
  const broadcaster = new SseBroadcaster({
    ...(opts.streamBuffer ? { bufferSize: opts.streamBuffer } : {}),
    ...(opts.keepAliveMs !== undefined ? { keepAliveMs: opts.keepAliveMs } : {}),
  });
  const unsubscribe = wireLiveUpdates(src, broadcaster, opts.coalesceMs ?? 200);
  // What the engine sees of each revision (fetched, applied, healthy), for the object pages' timeline.
  const timeline = new RevisionTimeline();
  for (const k of src.kinds)
    k.cache.addHandlers({ onAdd: (o) => timeline.observeSource(o), onUpdate: (_, n) => timeline.observeSource(n) });
  const offTimeline = src.events.onEvent((e) => timeline.observeEvent(e));
  const assets = loadAssets(opts.assetsDir);
  const app = new Hono();

  app.use('*', async (c, next) => {
    // @hono/node-server builds the URL from the Host header.
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (opts.hostAllowed && !opts.hostAllowed(host)) {
      return c.text(`host "${host}" is not served: open the dashboard by its loopback address`, 403);
    }
    await next();
    for (const [k, v] of Object.entries(securityHeaders)) c.header(k, v);
  });

  const auth = opts.auth;
  // What the page needs to know to offer sign-in and actions; answered without a token.
  app.get('/api/auth', async (c) => {
    let user: string | null = null;
    try {
      user = (await callerOf(c, auth?.reviewer, false))?.user ?? null;
    } catch {
      user = null;
    }
    return c.json({
      actions: Boolean(auth),
      readRequiresToken: auth?.readRequiresToken ?? false,
      actionsRequireToken: auth?.actionsRequireToken ?? false,
      user,
    });
  });
  if (auth?.readRequiresToken) {
    app.use('/api/*', async (c, next) => {
      try {
        await callerOf(c, auth.reviewer, true);
      } catch (err) {
        return c.json({ error: err instanceof Error ? err.message : String(err) }, 401);
      }
      await next();
    });
  }

  app.get('/api/overview', (c) => c.json(overview(src)));

  app.get('/api/objects', (c) => {
    const q = c.req.query();
    const status = q['status'];
    if (status && !ObjectStatuses.includes(status as ObjectStatus))
      return c.json({ error: `status must be one of ${ObjectStatuses.join(', ')}` }, 400);
    const page = positiveInt(q['page'], 1);
    const pageSize = Math.min(positiveInt(q['pageSize'], DefaultPageSize), MaxPageSize);
    const kinds = q['kind'] ? src.kinds.filter((k) => sameKind(k.kind, q['kind']!)) : src.kinds;
    if (q['kind'] && kinds.length === 0) return c.json({ error: `unknown kind "${q['kind']}"` }, 404);
    const text = (q['q'] ?? '').toLowerCase();
    const rows: ObjectRow[] = [];
    for (const k of kinds) {
      for (const obj of k.cache.list()) {
        if (q['namespace'] && obj.metadata.namespace !== q['namespace']) continue;
        const row = rowOf(obj);
        if (status && row.status !== status) continue;
        if (text && !matchesText(row, text)) continue;
        rows.push(row);
      }
    }
    rows.sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
    );
    const start = (page - 1) * pageSize;
    return c.json({ items: rows.slice(start, start + pageSize), total: rows.length, page, pageSize });
  });

  app.get('/api/objects/:kind/:namespace/:name', async (c) => {
    const { kind, namespace, name } = c.req.param();
    const k = src.kinds.find((x) => sameKind(x.kind, kind));
    if (!k) return c.json({ error: `unknown kind "${kind}"` }, 404);
    const obj = k.cache.get(`${namespace}/${name}`);
    if (!obj) return c.json({ error: `${k.kind} ${namespace}/${name} not found` }, 404);
    return c.json(await detail(src, k, obj, timeline, opts.apiDeadlineMs));
  });

  app.get('/api/graph', (c) => {
    const namespace = c.req.query('namespace');
    const all = src.kinds.flatMap((k) => k.cache.list());
    const find = (r: { kind: string; namespace: string; name: string }): KubeObject | undefined =>
      src.kinds.find((k) => k.kind === r.kind)?.cache.get(`${r.namespace}/${r.name}`);
    return c.json(buildGraph(all, find, namespace ? { namespace } : {}));
  });

  if (auth) {
    registerActions(app, {
      client: auth.client,
      ...(auth.reviewer ? { reviewer: auth.reviewer } : {}),
      requireToken: auth.actionsRequireToken,
      lookup: (kind, namespace, name) => {
        const k = src.kinds.find((x) => sameKind(x.kind, kind));
        const obj = k?.cache.get(`${namespace}/${name}`);
        return k && obj ? { apiVersion: k.apiVersion, obj } : undefined;
      },
    });
  }

  app.get('/api/events/stream', (c) => {
    const first = sseFrame('hello', { time: new Date().toISOString() });
    return c.body(broadcaster.open(`retry: 3000\n${first}`), 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
  });

  app.get('/api/*', (c) => c.json({ error: 'not found' }, 404));

  app.get('/assets/:file', (c) => {
    const a = assets.get(c.req.param('file'));
    return a ? c.body(a.body, 200, { 'Content-Type': a.type, 'Cache-Control': 'no-cache' }) : c.text('not found', 404);
  });
  app.get('/', (c) => index(c, assets));

  return {
    app,
    broadcaster,
    close: () => {
      unsubscribe();
      offTimeline();
      broadcaster.close();
    },
  };
}

function index(c: Context, assets: Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>): Response {
  const html = assets.get('index.html');
  if (html) return c.body(html.body, 200, { 'Content-Type': html.type, 'Cache-Control': 'no-cache' });
  return c.text(
    'The dashboard UI is not built (run `npm run build`). The API answers at /api/overview, /api/objects and /api/events/stream.\n',
    503,
  );
}

function loadAssets(dir: string | undefined): Map<string, { body: Uint8Array<ArrayBuffer>; type: string }> {
  const out = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>();
  if (!dir || !existsSync(dir)) return out;
  for (const f of ['index.html', 'app.js', 'app.css', 'icon.svg']) {
    const p = path.join(dir, f);
    if (existsSync(p))
      out.set(f, {
        body: new Uint8Array(readFileSync(p)),
        type: assetTypes[path.extname(f)] ?? 'application/octet-stream',
      });
  }
  return out;
}

const sameKind = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function positiveInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function matchesText(row: ObjectRow, text: string): boolean {
  return [row.name, row.namespace, row.kind, row.message, row.revision, row.reason].some((f) =>
    f.toLowerCase().includes(text),
  );
}

const mattersForOverview = (e: DashboardEvent): boolean => e.type === 'Warning';

function overview(src: DashboardSources): unknown {
  const kinds = src.kinds.map((k) => ({
    apiVersion: k.apiVersion,
    kind: k.kind,
    synced: k.cache.hasSynced,
    ...countStatuses(k.cache.list()),
  }));
  const report = src.report?.list()[0] as (KubeObject & { spec?: Record<string, unknown> }) | undefined;
  return {
    kinds,
    report: report
      ? {
          name: report.metadata.name,
          namespace: report.metadata.namespace ?? '',
          distribution: report.spec?.['distribution'] ?? null,
          cluster: report.spec?.['cluster'] ?? null,
          components: report.spec?.['components'] ?? [],
          sync: report.spec?.['sync'] ?? null,
          row: rowOf(report),
        }
      : null,
    recentEvents: src.events.recent(20),
    recentWarnings: src.events.recent(20, mattersForOverview),
  };
}

/** Pushes informer changes (gathered for `coalesceMs`) and recorded events to the SSE clients. */
function wireLiveUpdates(src: DashboardSources, b: SseBroadcaster, coalesceMs: number): () => void {
  let stopped = false;
  const pending = new Map<string, { type: 'ADDED' | 'MODIFIED' | 'DELETED'; row: ObjectRow }>();
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    if (stopped || pending.size === 0) return;
    b.send('objects', [...pending.values()]);
    pending.clear();
  };
  const note = (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void => {
    if (stopped || b.stats.clients === 0) return;
    pending.set(`${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, { type, row: rowOf(obj) });
    timer ??= setTimeout(flush, coalesceMs);
  };
  for (const k of src.kinds) {
    k.cache.addHandlers({
      onAdd: (o) => note('ADDED', o),
      onUpdate: (_, n) => note('MODIFIED', n),
      onDelete: (o) => note('DELETED', o),
    });
  }
  src.report?.addHandlers({
    onAdd: () => !stopped && b.send('report', {}),
    onUpdate: () => !stopped && b.send('report', {}),
  });
  const off = src.events.onEvent((e) => !stopped && b.send('event', e));
  return () => {
    stopped = true;
    off();
    if (timer) clearTimeout(timer);
  };
}
