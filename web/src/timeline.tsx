// A Kustomization's revisions on their way: committed → fetched → applied → healthy, each step with its
// time and how long after the previous one it came. Steps the engine did not see say so in words.
import type { TimelineRow } from './api.ts';
import { Ago } from './status.tsx';

const steps = [
  ['committedAt', 'Committed'],
  ['fetchedAt', 'Fetched'],
  ['appliedAt', 'Applied'],
  ['healthyAt', 'Healthy'],
] as const;

function after(prev: string | undefined, cur: string | undefined): string {
  if (!prev || !cur) return '';
  const s = (Date.parse(cur) - Date.parse(prev)) / 1000;
  if (!Number.isFinite(s) || s < 0) return '';
  return s < 120 ? `+${Math.round(s)} s` : `+${Math.round(s / 60)} min`;
}

export function Timeline({ rows }: { rows: TimelineRow[] }) {
  if (rows.length === 0) return <p class="muted">No revision recorded yet.</p>;
  return (
    <ol class="timeline">
      {rows.map((r) => (
        <li key={r.revision} data-revision={r.revision}>
          <span class="mono">{r.revision}</span>
          {r.result && r.result !== 'ReconciliationSucceeded' && <span class="muted"> (last result: {r.result})</span>}
          <ol class="steps">
            {steps.map(([field, label], i) => {
              const t = r[field];
              const prev = i > 0 ? r[steps[i - 1]![0]] : undefined;
              return (
                <li key={field} class={t ? 'step done' : 'step'} data-step={field}>
                  <span aria-hidden="true">{t ? '●' : '○'}</span> <strong>{label}</strong>{' '}
                  {t ? (
                    <>
                      <Ago time={t} /> <span class="muted">{after(prev, t)}</span>
                    </>
                  ) : (
                    <span class="muted">not seen</span>
                  )}
                </li>
              );
            })}
          </ol>
        </li>
      ))}
    </ol>
  );
}
