import { useEffect, useState } from 'preact/hooks';
import { Activity } from './activity.tsx';
import { ApiError, fetchObject, type HelmSnapshot, type ObjectDetail } from './api.ts';
import { Actions } from './auth.tsx';
import { DriftLog } from './drift.tsx';
import { InventoryTreeView } from './inventory.tsx';
import { SourceChain } from './source-chain.tsx';
import { Timeline } from './timeline.tsx';
import { subscribe } from './live.ts';
import { Ago, conditionSentence, StatusBadge } from './status.tsx';

export function ObjectPage({ kind, namespace, name }: { kind: string; namespace: string; name: string }) {
  const [data, setData] = useState<ObjectDetail | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setData(undefined);
    const load = (): void => {
      fetchObject(kind, namespace, name)
        .then((d) => {
          setData(d);
          setError('');
        })
        .catch((e: unknown) =>
          setError(
            e instanceof ApiError && e.status === 404
              ? `${kind} ${namespace}/${name} does not exist (any more).`
              : String(e),
          ),
        );
    };
    load();
    // Changes of this object reload the page at most every 500 ms (a reload also lists its events).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = subscribe({
      objects: (changes) => {
        if (
          changes.length === 0 ||
          changes.some((c) => c.row.kind === kind && c.row.namespace === namespace && c.row.name === name)
        )
          timer ??= setTimeout(() => {
            timer = undefined;
            load();
          }, 500);
      },
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [kind, namespace, name]);
  if (error) return <p role="alert">{error}</p>;
  if (!data) return <p class="loading">Loading…</p>;
  const r = data.row;
  return (
    <div>
      <p class="crumbs">
        <a href="#/">Overview</a> › <a href={`#/objects?kind=${encodeURIComponent(r.kind)}`}>{r.kind}</a> ›{' '}
        {r.namespace}
      </p>
      <h1>
        {r.kind} <span class="name">{r.name}</span>
      </h1>
      <p class="summary">
        <StatusBadge status={r.status} /> {r.suspended ? 'Suspended: not reconciled until resumed. ' : ''}
        {r.revision && (
          <>
            Revision <Revision text={r.revision} url={data.revisionUrl} />
          </>
        )}
      </p>
      <Actions
        kind={r.kind}
        namespace={r.namespace}
        name={r.name}
        suspended={r.suspended}
        hasSource={Boolean(data.source?.name)}
      />
      {data.source?.name && (
        <section aria-labelledby="src-h">
          <h2 id="src-h">Source chain</h2>
          <SourceChain links={data.sourceChain} kind={r.kind} name={r.name} />
        </section>
      )}
      <section aria-labelledby="cond-h">
        <h2 id="cond-h">Conditions</h2>
        {data.conditions.length === 0 ? (
          <p class="muted">No condition yet: the object has not been reconciled.</p>
        ) : (
          <ul class="conditions">
            {data.conditions.map((c) => (
              <li key={c.type} data-type={c.type}>
                <span class="sentence">{conditionSentence(c)}</span> <Ago time={c.lastTransitionTime} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="hist-h">
        <h2 id="hist-h">Revision history</h2>
        {data.history.length === 0 ? (
          <p class="muted">No history recorded.</p>
        ) : r.kind === 'HelmRelease' ? (
          <ReleaseHistory entries={data.history as unknown as HelmSnapshot[]} />
        ) : (
          <table class="history">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">Result</th>
                <th scope="col">First applied</th>
                <th scope="col">Last applied</th>
                <th scope="col">Took</th>
                <th scope="col">Times</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((h) => (
                <tr key={`${h.digest}-${h.lastReconciledStatus ?? ''}`}>
                  <td data-label="Revision" class="mono">
                    <Revision text={h.metadata?.['revision'] ?? h.digest} url={h.commitUrl} />
                  </td>
                  <td data-label="Result">{h.lastReconciledStatus}</td>
                  <td data-label="First applied">
                    <Ago time={h.firstReconciled} />
                  </td>
                  <td data-label="Last applied">
                    <Ago time={h.lastReconciled} />
                  </td>
                  <td data-label="Took">{h.lastReconciledDuration}</td>
                  <td data-label="Times">{h.totalReconciliations}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {r.kind === 'Kustomization' && (
        <section aria-labelledby="tl-h">
          <h2 id="tl-h">Revisions on their way</h2>
          <Timeline rows={data.timeline ?? []} />
        </section>
      )}
      <section aria-labelledby="inv-h">
        <h2 id="inv-h">Inventory</h2>
        <InventoryTreeView tree={data.inventory} />
      </section>
      {r.kind === 'Kustomization' && (
        <section aria-labelledby="drift-h">
          <h2 id="drift-h">Drift corrected</h2>
          <DriftLog records={data.drift ?? []} />
        </section>
      )}
      <section aria-labelledby="act-h">
        <h2 id="act-h">Timeline</h2>
        {data.eventsFrom === 'engine-memory' && (
          <p role="alert" class="warning">
            The API server could not be asked for this object's events
            {data.eventsError ? ` (${data.eventsError})` : ''}; shown are the events this engine recorded since it
            started.
          </p>
        )}
        <Activity entries={data.activity ?? []} />
      </section>
      <details>
        <summary>Spec</summary>
        <pre class="mono">{JSON.stringify(data.spec, null, 2)}</pre>
      </details>
      <details>
        <summary>Status (raw)</summary>
        <pre class="mono">{JSON.stringify(data.status, null, 2)}</pre>
      </details>
    </div>
  );
}

/** A revision, linked to its commit when the server knows the forge (it builds only https links). */
function Revision({ text, url }: { text: string; url: string | undefined }) {
  if (!url) return <span class="mono">{text}</span>;
  return (
    <a class="mono" href={url} rel="noopener noreferrer" target="_blank">
      {text}
    </a>
  );
}

/** A HelmRelease's status.history: one Helm release revision per row, newest first. */
function ReleaseHistory({ entries }: { entries: HelmSnapshot[] }) {
  return (
    <table class="history">
      <thead>
        <tr>
          <th scope="col">Release</th>
          <th scope="col">Status</th>
          <th scope="col">Chart</th>
          <th scope="col">App version</th>
          <th scope="col">First deployed</th>
          <th scope="col">Last deployed</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((h) => (
          <tr key={`${h.name}-${h.version}`}>
            <td data-label="Release" class="mono">
              {h.name}.v{h.version}
            </td>
            <td data-label="Status">{h.status}</td>
            <td data-label="Chart" class="mono">
              {h.chartName}@{h.chartVersion}
            </td>
            <td data-label="App version">{h.appVersion}</td>
            <td data-label="First deployed">
              <Ago time={h.firstDeployed} />
            </td>
            <td data-label="Last deployed">
              <Ago time={h.lastDeployed} />
            </td>
            <td data-label="Action">{h.action}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
