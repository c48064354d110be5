import { useEffect, useState } from 'preact/hooks';
import { fetchOverview, type DashboardEvent, type Overview } from './api.ts';
import { EventList } from './events.tsx';
import { subscribe } from './live.ts';
import { objectsHref } from './router.ts';
import { StatusBadge } from './status.tsx';

export function OverviewPage() {
  const [data, setData] = useState<Overview | undefined>();
  const [error, setError] = useState('');
  const [warnings, setWarnings] = useState<DashboardEvent[]>([]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      fetchOverview()
        .then((o) => {
          setData(o);
          setWarnings(o.recentWarnings);
          setError('');
        })
        .catch((e: unknown) => setError(String(e)));
    };
    // Counts are recomputed by the server from its caches after a pushed change (at most every 500 ms).
    const soon = (): void => {
      timer ??= setTimeout(() => {
        timer = undefined;
        load();
      }, 500);
    };
    load();
    const off = subscribe({
      objects: soon,
      report: soon,
      event: (e) => {
        if (e.type === 'Warning') setWarnings((w) => [e, ...w].slice(0, 20));
      },
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, []);
  if (error) return <p role="alert">The overview could not be loaded: {error}</p>;
  if (!data) return <p class="loading">Loading…</p>;
  const r = data.report;
  return (
    <div>
      <h1>Overview</h1>
      {r && (
        <section aria-labelledby="report-h" class="card">
          <h2 id="report-h">Cluster</h2>
          <dl class="facts">
            <dt>Distribution</dt>
            <dd>
              {r.distribution?.version ?? '—'} {r.distribution?.status ? `(${r.distribution.status})` : ''}
            </dd>
            <dt>Kubernetes</dt>
            <dd>
              {r.cluster?.serverVersion ?? '—'} {r.cluster?.platform ?? ''}
              {r.cluster?.nodes !== undefined ? `, ${r.cluster.nodes} nodes` : ''}
            </dd>
            <dt>Cluster sync</dt>
            <dd>
              {r.sync ? `${r.sync.ready ? '✔ ' : '✖ '}${r.sync.source ?? ''} ${r.sync.status ?? ''}` : 'not configured'}
            </dd>
            <dt>Components</dt>
            <dd>
              <ul class="plain">
                {r.components.map((c) => (
                  <li key={c.name}>
                    <StatusBadge status={c.ready ? 'ready' : 'progressing'} /> {c.name}: {c.status}
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
        </section>
      )}
      <section aria-labelledby="kinds-h">
        <h2 id="kinds-h">Objects by kind</h2>
        <div class="kind-grid">
          {data.kinds.map((k) => (
            <div class="card kind-card" key={k.kind} data-kind={k.kind}>
              <h3>
                <a href={objectsHref({ kind: k.kind })}>{k.kind}</a> <span class="muted">{k.total}</span>
              </h3>
              {!k.synced && <p class="muted">Cache not synced yet</p>}
              <ul class="plain counts">
                {(['ready', 'failing', 'progressing', 'suspended', 'unknown'] as const).map((s) =>
                  k[s] > 0 || s !== 'unknown' ? (
                    <li key={s}>
                      <a href={objectsHref({ kind: k.kind, status: s })}>
                        <StatusBadge status={s} />{' '}
                        <span class="count" data-status={s}>
                          {k[s]}
                        </span>
                      </a>
                    </li>
                  ) : null,
                )}
              </ul>
            </div>
          ))}
        </div>
      </section>
      <section aria-labelledby="warn-h">
        <h2 id="warn-h">Recent warnings</h2>
        <EventList events={warnings} empty="No warning since the engine started." />
      </section>
      <section aria-labelledby="ev-h">
        <h2 id="ev-h">Recent events</h2>
        <EventList events={data.recentEvents} empty="No event since the engine started." />
      </section>
    </div>
  );
}
