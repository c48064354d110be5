// Who is calling the dashboard, and may they do it: a bearer token checked with a Kubernetes TokenReview
// (results cached briefly, keyed by the token's hash), each action checked with a SubjectAccessReview.
// The cluster's RBAC decides; the dashboard keeps no users of its own.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';

/** A caller the API server authenticated. */
export interface Caller {
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** What a SubjectAccessReview asks: may `caller` `verb` this object. */
export interface AccessRequest {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** The authorizer's words, when it gives any. */
  reason: string;
}

export interface AccessReviewer {
  /** The caller a token belongs to; `undefined` when the API server does not accept it. */
  reviewToken(token: string): Promise<Caller | undefined>;
  authorize(caller: Caller, req: AccessRequest): Promise<AccessDecision>;
}

export interface ReviewerOptions {
  /** How long a TokenReview's answer is reused (default 60 s). */
  ttlMs?: number;
  /** Token answers kept at most (default 1,000; the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** An AccessReviewer that asks the API server with the engine's client (which may create reviews). */
export function kubeAccessReviewer(client: KubeClient, opts: ReviewerOptions = {}): AccessReviewer {
  const cache = new TokenCache(opts);
  return {
    async reviewToken(token) {
      const key = createHash('sha256').update(token).digest('hex');
      const hit = cache.get(key);
      if (hit) return hit.caller;
      const review = await client.create<KubeObject & { status?: TokenReviewStatus }>({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: { name: '' },
        spec: { token },
      });
      const caller = callerOf(review.status);
      cache.set(key, caller);
      return caller;
    },
    async authorize(caller, req) {
      const review = await client.create<KubeObject & { status?: { allowed?: boolean; reason?: string } }>({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: { name: '' },
        spec: {
          user: caller.user,
          groups: caller.groups,
          ...(caller.uid ? { uid: caller.uid } : {}),
          ...(caller.extra ? { extra: caller.extra } : {}),
          resourceAttributes: req,
        },
      });
      return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
    },
  };
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

function callerOf(status: TokenReviewStatus | undefined): Caller | undefined {
  if (!status?.authenticated || !status.user?.username) return undefined;
  const u = status.user;
  return {
    user: u.username!,
    groups: u.groups ?? [],
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.extra ? { extra: u.extra } : {}),
  };
}

/** Token answers (accepted or refused) for `ttlMs`, at most `maxEntries`, by the token's SHA-256. */
export class TokenCache {
  private readonly entries = new Map<string, { caller: Caller | undefined; expires: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(opts: ReviewerOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.maxEntries ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  get(key: string): { caller: Caller | undefined } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { caller: e.caller };
  }

  set(key: string, caller: Caller | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, { caller, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
