// An object's timeline: what happened to it, newest first, from three places the engine already has:
// its events (reconciles, failures, drift corrected), the commit statuses Driftless sent for it
// (the notification dispatcher's log), and, for a HelmRelease, the Helm release revisions of
// status.history. Pure: the caller gathers the inputs.
import type { SentCommitStatus } from '../notify/providers/commit-status-log.ts';
import type { KubeObject } from '../kube/types.ts';
import type { DashboardEvent } from './event-log.ts';

export interface ActivityEntry {
  /** ISO 8601; entries without a time sort last. */
  at: string;
  source: 'event' | 'commit-status' | 'helm-release';
  /** Normal/Warning for events; the commit state; the Helm release status (deployed, failed, superseded…). */
  outcome: string;
  /** A short headline: the event reason, `commit <sha> <state>`, `release v3 deployed`. */
  title: string;
  detail: string;
  revision?: string;
}

type HelmSnapshot = {
  version?: number;
  status?: string;
  chartName?: string;
  chartVersion?: string;
  appVersion?: string;
  firstDeployed?: string;
  lastDeployed?: string;
  action?: string;
  configDigest?: string;
};

/** At most `limit` (default 100) entries, newest first. */
export function objectActivity(
  obj: KubeObject,
  inputs: { events: readonly DashboardEvent[]; statuses: readonly SentCommitStatus[] },
  limit = 100,
): ActivityEntry[] {
  const out: ActivityEntry[] = [];
  for (const e of inputs.events)
    out.push({
      at: e.timestamp,
      source: 'event',
      outcome: e.type,
      title: e.reason,
      detail: e.count && e.count > 1 ? `${e.message} (×${e.count})` : e.message,
      ...(e.revision ? { revision: e.revision } : {}),
    });
  for (const s of inputs.statuses)
    out.push({
      at: s.sentAt,
      source: 'commit-status',
      outcome: s.state,
      title: `commit ${s.sha.slice(0, 12)} ${s.state}`,
      detail: `${s.context} via ${s.provider.type} (Provider ${s.provider.name}): ${s.description}`,
      revision: s.sha,
    });
  if (obj.kind === 'HelmRelease') {
    const history = (obj['status'] as { history?: HelmSnapshot[] } | undefined)?.history ?? [];
    for (const h of history)
      out.push({
        at: h.lastDeployed ?? h.firstDeployed ?? '',
        source: 'helm-release',
        outcome: h.status ?? '',
        title: `release v${h.version ?? '?'} ${h.status ?? ''}`.trim(),
        detail: [
          `chart ${h.chartName ?? '?'}@${h.chartVersion ?? '?'}`,
          h.appVersion ? `app ${h.appVersion}` : '',
          h.action ? `by ${h.action}` : '',
          h.firstDeployed ? `first deployed ${h.firstDeployed}` : '',
        ]
          .filter(Boolean)
          .join(', '),
        ...(h.chartVersion ? { revision: h.chartVersion } : {}),
      });
  }
  // ISO times of one clock sort as strings; a missing time goes last.
  out.sort((a, b) => (b.at || '').localeCompare(a.at || ''));
  return out.slice(0, limit);
}
