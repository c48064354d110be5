import type { IncomingHttpHeaders } from 'node:http';

/** Who paces requests to the API server: not known yet, the server (APF), or the client's token bucket. */
export const Pacing = { Undecided: 'undecided', Server: 'server', Client: 'client' } as const;
export type Pacing = (typeof Pacing)[keyof typeof Pacing];

/**
 * The header API Priority and Fairness sets on every request it classifies (its companion,
 * `X-Kubernetes-PF-PriorityLevel-UID`, is always set with it). Node lower-cases header names.
 */
export const FlowSchemaUidHeader = 'x-kubernetes-pf-flowschema-uid';

/**
 * What one answer says about the server's flow control, or `undefined` when it cannot say: no answer
 * (network error, status 0) or 401, because authentication runs before the APF filter and a rejected
 * request never carries its headers. Any other answer, errors included, went through the filter.
 */
export function pacingFromAnswer(status: number, headers: IncomingHttpHeaders): Pacing | undefined {
  if (status === 0 || status === 401) return undefined;
  return headers[FlowSchemaUidHeader] ? Pacing.Server : Pacing.Client;
}

/**
 * A token bucket (`qps` per second, at most `burst` saved), as client-go's QPS/burst limiter. `reserve()`
 * takes a token and returns how long to wait for it; tokens may go negative so that waiters queue in
 * order instead of polling. Pure: time comes from `now`.
 */
export class TokenBucket {
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(opts: { qps: number; burst: number; now: () => number }) {
    this.qps = opts.qps;
    this.burst = Math.max(1, opts.burst);
    this.now = opts.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Takes one token; returns the milliseconds to wait before using it (0 when one was saved). */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

/**
 * Paces requests as Flux's controllers do (fluxcd/pkg `runtime/client.GetConfigOrDie`): when the API
 * server has API Priority and Fairness, client-side limiting is switched off and the server's fairness
 * (with 429 `Retry-After`, which the transport honours) is the only back-pressure; otherwise the
 * `--kube-api-qps`/`--kube-api-burst` bucket applies. As in Flux, the flags do not apply once APF is
 * seen, even when given explicitly. Flux probes once at start (`HEAD /livez/ping`); this pacer decides
 * from the first answer that can tell (see `pacingFromAnswer`), which costs no request, and keeps that
 * decision. Until then the bucket applies, so the very first requests never exceed the flags.
 */
export class RequestPacer {
  private readonly bucket: TokenBucket;
  private decided: Pacing = Pacing.Undecided;

  constructor(opts: { qps: number; burst: number; now: () => number }) {
    this.bucket = new TokenBucket(opts);
  }

  /** The current decision. */
  get pacing(): Pacing {
    return this.decided;
  }

  /** Milliseconds to wait before the next request (always 0 when the server paces). */
  delay(): number {
    return this.decided === Pacing.Server ? 0 : this.bucket.reserve();
  }

  /** Learns from one answer; the first answer that can tell decides for good. */
  observe(status: number, headers: IncomingHttpHeaders): void {
    if (this.decided !== Pacing.Undecided) return;
    this.decided = pacingFromAnswer(status, headers) ?? Pacing.Undecided;
  }
}
