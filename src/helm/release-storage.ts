// Helm's own release storage (driver "secret"): Secrets `sh.helm.release.v1.<name>.v<N>` labelled
// owner=helm, whose `release` key is base64(gzip(JSON of the release)). Reading them directly gives the
// whole release (config, chart metadata, hooks with their last run) without spawning helm, and lets a
// release locked in pending-* by a crashed process be marked failed as helm-controller does.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';

/** A hook's last run, as Helm records it. */
export interface HelmHookRun {
  started_at?: string;
  completed_at?: string;
  phase?: string;
}

/** A hook of a release. */
export interface HelmHook {
  name: string;
  kind?: string;
  path?: string;
  events?: string[];
  last_run?: HelmHookRun;
  [k: string]: unknown;
}

/** The chart metadata stored in a release (Chart.yaml). */
export interface HelmChartMetadata {
  name: string;
  version: string;
  appVersion?: string;
  [k: string]: unknown;
}

/** A release as Helm stores it (helm.sh/helm/v4/pkg/release/v1.Release, JSON field names). */
export interface HelmStoredRelease {
  name: string;
  namespace: string;
  version: number;
  info: {
    first_deployed?: string;
    last_deployed?: string;
    deleted?: string;
    description?: string;
    status: string;
    notes?: string;
    [k: string]: unknown;
  };
  chart: { metadata: HelmChartMetadata; [k: string]: unknown };
  config?: Record<string, unknown> | null;
  manifest?: string;
  hooks?: HelmHook[] | null;
  apply_method?: string;
  [k: string]: unknown;
}

/** Statuses Helm writes while an action runs; a release left in one is locked for the CLI. */
export const PendingStatuses = ['pending-install', 'pending-upgrade', 'pending-rollback'] as const;

export const isPending = (status: string): boolean => (PendingStatuses as readonly string[]).includes(status);

type SecretObject = KubeObject & { data?: Record<string, string>; type?: string };

/** Decodes the `release` key of a release Secret (already base64-decoded by the API: still Helm's base64). */
export function decodeRelease(data: string): HelmStoredRelease {
  const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
  const json = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner) : inner;
  return JSON.parse(json.toString('utf8')) as HelmStoredRelease;
}

/** Encodes a release as Helm does, for the Secret's `release` key (the API's base64 added). */
export function encodeRelease(rel: HelmStoredRelease): string {
  const gz = gzipSync(Buffer.from(JSON.stringify(rel)));
  return Buffer.from(gz.toString('base64')).toString('base64');
}

/** Reads and writes the releases of one storage namespace. */
export class ReleaseStorage {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  private async secrets(name: string): Promise<SecretObject[]> {
    const list = await this.client.list<SecretObject>('v1', 'Secret', {
      namespace: this.namespace,
      labelSelector: `owner=helm,name=${name}`,
    });
    return list.items;
  }

  /** Every stored revision of the release, oldest first. */
  async history(name: string): Promise<HelmStoredRelease[]> {
    const out: HelmStoredRelease[] = [];
    for (const s of await this.secrets(name)) {
      const data = s.data?.['release'];
      if (data) out.push(decodeRelease(data));
    }
    return out.sort((a, b) => a.version - b.version);
  }

  /** The newest revision, or undefined when the release has none. */
  async last(name: string): Promise<HelmStoredRelease | undefined> {
    return (await this.history(name)).at(-1);
  }

  /** One revision, or undefined. */
  async get(name: string, version: number): Promise<HelmStoredRelease | undefined> {
    return (await this.history(name)).find((r) => r.version === version);
  }

  /**
   * Marks a revision `failed` with `description`, in the release JSON and the Secret's `status` label
   * (what helm-controller's unlock does to a release left pending by a crashed process).
   */
  async markFailed(rel: HelmStoredRelease, description: string): Promise<void> {
    const secretName = `sh.helm.release.v1.${rel.name}.v${rel.version}`;
    const updated: HelmStoredRelease = { ...rel, info: { ...rel.info, status: 'failed', description } };
    await this.client.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: secretName },
      {
        metadata: { labels: { status: 'failed', modifiedAt: String(Math.floor(Date.now() / 1000)) } },
        data: { release: encodeRelease(updated) },
      },
      { type: 'merge', fieldManager: 'helm-controller' },
    );
  }
}
