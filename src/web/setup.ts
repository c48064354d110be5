// Wires the dashboard into a manager: read access to the informers the controllers share, the event
// recorder's sink, and an HTTP server that starts with the manager on every replica (leader or not).
import { isIP } from 'node:net';
import path from 'node:path';
import { ControlPlaneApiVersion } from '../api/flux-report.ts';
import { isNoKindMatch } from '../kube/errors.ts';
import type { EventSink } from '../runtime/events.ts';
import { parseAddress, startHttpServer, type RunningServer } from '../runtime/http-server.ts';
import type { Manager } from '../runtime/manager.ts';
import { createDashboardApp } from './api.ts';
import { kubeAccessReviewer } from './auth.ts';
import type { DriftLog } from '../apply/drift-log.ts';
import type { CommitStatusLog } from '../notify/providers/commit-status-log.ts';
import { helmReleaseObjectsReader, liveObjectsReader, objectEventsReader } from './cluster-lookups.ts';
import { EventLog } from './event-log.ts';
import { packageRoot } from '../util/package-root.ts';

/** Where `npm run build` puts the browser UI (the same from src/web and dist/web). */
export const dashboardAssetsDir = path.join(packageRoot(), 'dist', 'dashboard');

export interface DashboardOptions {
  /** `host:port`; '' or '0' turns the dashboard off. */
  addr: string;
  /** Off loopback, let anyone read without a token (actions still need one). */
  allowRemoteReadOnly: boolean;
  /** `auto`: no authentication on loopback, bearer tokens elsewhere; `token`: tokens for actions everywhere. */
  auth?: DashboardAuthMode;
  /** The Flux kinds the engine serves (their informers are shared with the controllers). */
  kinds: readonly { apiVersion: string; kind: string }[];
  /** The event recorder, whose events the overview shows live. */
  recorder: { addSink(sink: EventSink): void };
  /** Namespace of the FluxReport (`<namespace>/flux`). */
  reportNamespace: string;
  assetsDir?: string;
  /** Corrected drift, shown on a Kustomization's page. */
  driftLog?: DriftLog;
  /** Commit statuses sent, shown on the objects' timelines. */
  commitStatusLog?: CommitStatusLog;
  onListening?: (url: string) => void;
}

export const DashboardAuthModes = ['auto', 'token'] as const;
export type DashboardAuthMode = (typeof DashboardAuthModes)[number];

/** Whether `addr` turns the dashboard off. */
export const dashboardDisabled = (addr: string): boolean => addr === '' || addr === '0';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Checks the flags before anything starts (an unknown auth mode, an address that does not parse). */
export function checkDashboardAddr(addr: string, auth: string = 'auto'): void {
  if (dashboardDisabled(addr)) return;
  parseAddress(addr);
  if (!DashboardAuthModes.includes(auth as DashboardAuthMode))
    throw new Error(`--web-auth must be one of ${DashboardAuthModes.join(', ')}, not "${auth}"`);
}

/**
 * Who must show a token: off loopback (`:9080` means every interface) actions always, reads unless
 * the operator allowed the read-only view; on loopback nobody, unless `token` mode asks it for actions.
 */
export function dashboardAuthPolicy(
  addr: string,
  mode: DashboardAuthMode,
  allowRemoteReadOnly: boolean,
): { readRequiresToken: boolean; actionsRequireToken: boolean } {
  const remote = !isLoopbackHost(parseAddress(addr).host);
  return { readRequiresToken: remote && !allowRemoteReadOnly, actionsRequireToken: remote || mode === 'token' };
}

/** Registers the dashboard with the manager; does nothing when it is off. Throws for a refused address. */
export async function setupDashboard(mgr: Manager, opts: DashboardOptions): Promise<void> {
  if (dashboardDisabled(opts.addr)) return;
  checkDashboardAddr(opts.addr, opts.auth);
  const events = new EventLog();
  opts.recorder.addSink(events.sink);
  const kinds = opts.kinds.map((k) => ({ ...k, cache: mgr.informer(k.apiVersion, k.kind) }));
  const report = await reportCache(mgr, opts.reportNamespace);
  const client = mgr.client;
  const objectEvents = objectEventsReader(client);
  const remote = !isLoopbackHost(parseAddress(opts.addr).host);
  let server: RunningServer | undefined;
  let close: (() => void) | undefined;
  mgr.addRunnable({
    name: 'dashboard',
    needsLeader: false,
    start: async () => {
      const made = createDashboardApp(
        {
          kinds,
          report,
          events,
          objectEvents,
          liveObjects: liveObjectsReader(client),
          releaseObjects: helmReleaseObjectsReader(client),
          ...(opts.driftLog ? { driftLog: opts.driftLog } : {}),
          ...(opts.commitStatusLog ? { commitStatuses: opts.commitStatusLog } : {}),
        },
        {
          auth: {
            ...dashboardAuthPolicy(opts.addr, opts.auth ?? 'auto', opts.allowRemoteReadOnly),
            reviewer: kubeAccessReviewer(client),
            client,
          },
          assetsDir: opts.assetsDir ?? dashboardAssetsDir,
          // A loopback server answers only to loopback names, so a web page cannot reach it by DNS rebinding.
          ...(remote ? {} : { hostAllowed: (h: string) => isLoopbackHost(h.replace(/:\d+$/, '')) }),
        },
      );
      close = made.close;
      try {
        server = await startHttpServer({ app: made.app, addr: opts.addr });
      } catch (err) {
        // The dashboard is optional: a busy port (a second engine on this machine) must not stop the engine.
        made.close();
        mgr.logger.warn(
          { addr: opts.addr, err: err instanceof Error ? err.message : String(err) },
          'the dashboard could not listen; the engine runs without it (--web-addr picks another address, 0 turns it off)',
        );
        return;
      }
      mgr.logger.info({ url: server.url }, 'dashboard listening');
      opts.onListening?.(server.url);
    },
    stop: async () => {
      close?.();
      await server?.close();
    },
  });
}

/** The FluxReport informer (shared with its controller), or undefined when the CRD is not installed. */
async function reportCache(mgr: Manager, namespace: string): Promise<ReturnType<Manager['informer']> | undefined> {
  try {
    await mgr.client.resource(ControlPlaneApiVersion, 'FluxReport');
  } catch (err) {
    if (isNoKindMatch(err)) return undefined;
    throw err;
  }
  return mgr.informer(ControlPlaneApiVersion, 'FluxReport', { namespace });
}
