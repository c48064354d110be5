// An object's timeline: its events, the commit statuses Driftless sent for it and its Helm release
// revisions, newest first, each said in words (the kind of entry and its outcome), never colour alone.
import type { ActivityEntry } from './api.ts';
import { Ago } from './status.tsx';

const sourceWords: Record<ActivityEntry['source'], string> = {
  event: 'Event',
  'commit-status': 'Commit status sent',
  'helm-release': 'Helm release',
};

const bad = new Set(['Warning', 'failure', 'failed']);

export function Activity({ entries }: { entries: ActivityEntry[] }) {
  if (entries.length === 0) return <p class="muted">Nothing happened to this object since the engine started.</p>;
  return (
    <ol class="activity">
      {entries.map((e, i) => (
        <li key={`${e.at}-${i}`} data-source={e.source} class={bad.has(e.outcome) ? 'bad' : ''}>
          <Ago time={e.at} /> <span class="muted">{sourceWords[e.source]}</span> <strong>{e.title}</strong>
          {bad.has(e.outcome) && <span class="warning-word"> (problem)</span>}
          <div class="detail">{e.detail}</div>
        </li>
      ))}
    </ol>
  );
}
