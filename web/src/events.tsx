import type { DashboardEvent } from './api.ts';
import { objectHref } from './router.ts';
import { Ago } from './status.tsx';

export function EventList({ events, empty }: { events: DashboardEvent[]; empty: string }) {
  if (events.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="events">
      {events.map((e, i) => (
        <li key={`${e.timestamp}-${e.reason}-${i}`} class={`event event-${e.type.toLowerCase()}`}>
          <span class="event-type">
            <span aria-hidden="true">{e.type === 'Warning' ? '⚠' : 'ℹ'}</span>{' '}
            {e.type === 'Warning' ? 'Warning' : 'Info'}
          </span>{' '}
          <strong>{e.reason}</strong>{' '}
          {e.involvedObject.name && (
            <a href={objectHref(e.involvedObject.kind, e.involvedObject.namespace, e.involvedObject.name)}>
              {e.involvedObject.kind} {e.involvedObject.namespace}/{e.involvedObject.name}
            </a>
          )}{' '}
          <Ago time={e.timestamp} />
          {e.count && e.count > 1 ? <span class="muted"> ×{e.count}</span> : null}
          <div class="event-message">{e.message}</div>
        </li>
      ))}
    </ul>
  );
}
