// Hash routes, so the server serves one page: #/, #/objects?kind=…, #/graph?namespace=…,
// #/object/<kind>/<namespace>/<name>.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'overview' }
  | { page: 'objects'; filter: Record<string, string> }
  | { page: 'graph'; namespace: string }
  | { page: 'object'; kind: string; namespace: string; name: string };

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'objects') return { page: 'objects', filter: Object.fromEntries(new URLSearchParams(query)) };
  if (parts[0] === 'graph') return { page: 'graph', namespace: new URLSearchParams(query).get('namespace') ?? '' };
  if (parts[0] === 'object' && parts.length === 4)
    return { page: 'object', kind: parts[1]!, namespace: parts[2]!, name: parts[3]! };
  return { page: 'overview' };
}

export function objectsHref(filter: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== ''));
  const s = q.toString();
  return `#/objects${s ? `?${s}` : ''}`;
}

export const objectHref = (kind: string, namespace: string, name: string): string =>
  `#/object/${[kind, namespace, name].map(encodeURIComponent).join('/')}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
