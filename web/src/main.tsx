// The dashboard's browser entry: a header, the live connection state and the routed page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fetchOverview } from './api.ts';
import { subscribe } from './live.ts';
import { ObjectPage } from './object.tsx';
import { ObjectsPage } from './objects.tsx';
import { OverviewPage } from './overview.tsx';
import { useRoute } from './router.ts';

function App() {
  const route = useRoute();
  const [live, setLive] = useState(false);
  const [kinds, setKinds] = useState<string[]>([]);
  useEffect(() => subscribe({ connection: setLive }), []);
  useEffect(() => {
    fetchOverview()
      .then((o) => setKinds(o.kinds.map((k) => k.kind)))
      .catch(() => undefined);
  }, []);
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Driftless
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'overview' ? 'page' : undefined}>
            Overview
          </a>
          <a href="#/objects" aria-current={route.page === 'objects' ? 'page' : undefined}>
            Objects
          </a>
        </nav>
        <span class={`conn ${live ? 'conn-live' : 'conn-down'}`} role="status">
          <span aria-hidden="true">{live ? '●' : '○'}</span> {live ? 'Live' : 'Reconnecting…'}
        </span>
      </header>
      <main>
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'objects' && <ObjectsPage filter={route.filter} kinds={kinds} />}
        {route.page === 'object' && <ObjectPage kind={route.kind} namespace={route.namespace} name={route.name} />}
      </main>
      <footer class="muted">Read-only view. Actions (reconcile, suspend, resume) are not available yet.</footer>
    </>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" placeholder is replaced, not kept beside the app.
root.textContent = '';
render(<App />, root);
