import { useEffect, useState } from 'preact/hooks';
import { fetchObjects, type ObjectPage } from './api.ts';
import { subscribe } from './live.ts';
import { objectHref, objectsHref } from './router.ts';
import { Ago, StatusBadge } from './status.tsx';

const PageSize = 100;
const statuses = ['', 'ready', 'failing', 'progressing', 'suspended', 'unknown'];

export function ObjectsPage({ filter, kinds }: { filter: Record<string, string>; kinds: string[] }) {
  const [data, setData] = useState<ObjectPage | undefined>();
  const [error, setError] = useState('');
  const [text, setText] = useState(filter['q'] ?? '');
  const key = JSON.stringify(filter);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      fetchObjects({ ...filter, pageSize: String(PageSize) })
        .then((p) => {
          setData(p);
          setError('');
        })
        .catch((e: unknown) => setError(String(e)));
    };
    load();
    // A pushed change reloads the page of rows (the server filters its cache), at most every 500 ms.
    const off = subscribe({
      objects: () => {
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
  }, [key]);
  const go = (change: Record<string, string>): void => {
    location.hash = objectsHref({ ...filter, page: '', ...change });
  };
  const page = Number(filter['page'] ?? '1') || 1;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <div>
      <h1>Objects</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: text });
        }}
      >
        <label>
          Kind{' '}
          <select value={filter['kind'] ?? ''} onChange={(e) => go({ kind: e.currentTarget.value })}>
            <option value="">all</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={filter['status'] ?? ''} onChange={(e) => go({ status: e.currentTarget.value })}>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s || 'all'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace{' '}
          <input
            value={filter['namespace'] ?? ''}
            size={12}
            onChange={(e) => go({ namespace: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Text <input type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {error && <p role="alert">The list could not be loaded: {error}</p>}
      {!data ? (
        <p class="loading">Loading…</p>
      ) : (
        <>
          <p class="muted" aria-live="polite">
            {data.total} object{data.total === 1 ? '' : 's'}
            {pages > 1 ? `, page ${page} of ${pages}` : ''}
          </p>
          <table class="objects">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Kind</th>
                <th scope="col">Namespace</th>
                <th scope="col">Name</th>
                <th scope="col">Revision</th>
                <th scope="col">Changed</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={`${r.kind}/${r.namespace}/${r.name}`} data-name={r.name}>
                  <td data-label="Status">
                    <StatusBadge status={r.status} />
                  </td>
                  <td data-label="Kind">{r.kind}</td>
                  <td data-label="Namespace">{r.namespace}</td>
                  <td data-label="Name">
                    <a href={objectHref(r.kind, r.namespace, r.name)}>{r.name}</a>
                  </td>
                  <td data-label="Revision" class="mono">
                    {r.revision}
                  </td>
                  <td data-label="Changed">
                    <Ago time={r.updatedAt} />
                  </td>
                  <td data-label="Message" class="message">
                    {r.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && (
            <nav class="pager" aria-label="Pages">
              <button disabled={page <= 1} onClick={() => go({ page: String(page - 1) })}>
                ← Previous
              </button>
              <button disabled={page >= pages} onClick={() => go({ page: String(page + 1) })}>
                Next →
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}
