// The dashboard's browser entry: a header, the live connection state and the routed page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fetchOverview } from './api.ts';
import { SignIn } from './auth.tsx';
import { subscribe } from './live.ts';
import { GraphPage } from './graph.tsx';
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
          <a href="#/graph" aria-current={route.page === 'graph' ? 'page' : undefined}>
            Graph
          </a>
        </nav>
        <span class={`conn ${live ? 'conn-live' : 'conn-down'}`} role="status">
          <span aria-hidden="true">{live ? '●' : '○'}</span> {live ? 'Live' : 'Reconnecting…'}
        </span>
        <SignIn />
      </header>
      <main>
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'objects' && <ObjectsPage filter={route.filter} kinds={kinds} />}
        {route.page === 'graph' && <GraphPage namespace={route.namespace} />}
        {route.page === 'object' && <ObjectPage kind={route.kind} namespace={route.namespace} name={route.name} />}
      </main>
      <footer class="muted">
        Actions run as the signed-in Kubernetes user (or, without sign-in on loopback, as the engine's kubeconfig user);
        the cluster's RBAC decides.
      </footer>
    </>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" placeholder is replaced, not kept beside the app.
root.textContent = '';
render(<App />, root);
