// The drift log of a Kustomization: which field of which applied object was changed by which field
// manager, and when Driftless re-applied it.
import type { DriftRecord } from './api.ts';
import { Ago } from './status.tsx';

export function DriftLog({ records }: { records: DriftRecord[] }) {
  if (records.length === 0)
    return (
      <p class="muted">
        No drift corrected since the engine started (the log is kept in memory; DriftCorrected events last longer).
      </p>
    );
  return (
    <table class="drift">
      <thead>
        <tr>
          <th scope="col">Object</th>
          <th scope="col">Change</th>
          <th scope="col">Fields</th>
          <th scope="col">Changed by</th>
          <th scope="col">Seen</th>
          <th scope="col">Reverted</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={`${r.subject}-${r.correctedAt}`} data-subject={r.subject}>
            <td data-label="Object" class="mono">
              {r.subject}
            </td>
            <td data-label="Change">{r.change === 'deleted' ? 'deleted (re-created)' : 'modified'}</td>
            <td data-label="Fields" class="mono fields">
              {r.fields.length ? r.fields.join(', ') : '—'}
            </td>
            <td data-label="Changed by" class="mono by">
              {r.by}
            </td>
            <td data-label="Seen">
              <Ago time={r.detectedAt} />
            </td>
            <td data-label="Reverted">
              <span aria-hidden="true">↺ </span>
              <Ago time={r.correctedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
