// Where an object's artifact comes from: each source with its revision and status, linked to its page.
import type { SourceLink } from './api.ts';
import { objectHref } from './router.ts';
import { StatusBadge } from './status.tsx';

export function SourceChain({ links, kind, name }: { links: SourceLink[]; kind: string; name: string }) {
  if (links.length === 0) return <p class="muted">This object takes no artifact from a source.</p>;
  return (
    <ol class="source-chain">
      <li class="muted">
        {kind} {name}
      </li>
      {links.map((l) => (
        <li key={`${l.kind}/${l.namespace}/${l.name}`} data-kind={l.kind}>
          <span aria-hidden="true">← </span>
          <span class="visually-hidden">takes its artifact from </span>
          <a href={objectHref(l.kind, l.namespace, l.name)}>
            {l.kind} {l.namespace}/{l.name}
          </a>{' '}
          {l.missing ? (
            <span class="status status-unknown">
              <span aria-hidden="true" class="icon">
                ?
              </span>{' '}
              Not found: the engine has no such object
            </span>
          ) : (
            <StatusBadge status={l.status} />
          )}
          {l.revision && <span class="mono"> {l.revision}</span>}
          {l.url && <span class="muted mono"> {l.url}</span>}
          {l.message && l.status !== 'ready' && <p class="muted">{l.message}</p>}
        </li>
      ))}
    </ol>
  );
}
