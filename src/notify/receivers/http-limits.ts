// notification-controller's request limits for the receiver server and the event intake
// (`internal/server/limits.go`), applied through the runtime's one HTTP server helper.
import { startHttpServer, type HttpLimits, type RunningServer } from '../../runtime/http-server.ts';

/** notification-controller's body cap for webhooks and events: 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** notification-controller's server limits: headers within 10 s, the whole request within 30 s, headers up to 256 KiB. */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxHeaderBytes: 256 * 1024,
  // Node's own 30 s check would stretch the 10 s header limit to 40 s.
  connectionsCheckingIntervalMs: 1_000,
};

/**
 * Serves an app on `addr` (`host:port`, `:port`; port 0 picks one) through the runtime's
 * `startHttpServer` with {@link DEFAULT_HTTP_LIMITS} overridden by `limits`.
 */
export async function startHardenedServer(opts: {
  app: { fetch: (req: Request) => Response | Promise<Response> };
  addr: string;
  limits?: Partial<HttpLimits>;
}): Promise<RunningServer> {
  return await startHttpServer({ app: opts.app, addr: opts.addr, limits: { ...DEFAULT_HTTP_LIMITS, ...opts.limits } });
}
