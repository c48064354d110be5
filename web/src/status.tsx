// Status words and icons: every state is said in text, with an icon, never by colour alone.
import type { Condition, ObjectStatus } from './api.ts';

const labels: Record<ObjectStatus, { icon: string; word: string }> = {
  ready: { icon: '✔', word: 'Ready' },
  failing: { icon: '✖', word: 'Failing' },
  suspended: { icon: '‖', word: 'Suspended' },
  progressing: { icon: '⟳', word: 'Progressing' },
  unknown: { icon: '?', word: 'Unknown' },
};

export const statusWord = (s: ObjectStatus): string => labels[s].word;
export const statusIcon = (s: ObjectStatus): string => labels[s].icon;

export function StatusBadge({ status }: { status: ObjectStatus }) {
  const l = labels[status];
  return (
    <span class={`status status-${status}`}>
      <span aria-hidden="true" class="icon">
        {l.icon}
      </span>{' '}
      {l.word}
    </span>
  );
}

const conditionWords: Record<string, { yes: string; no: string }> = {
  Ready: { yes: 'Ready', no: 'Not ready' },
  Reconciling: { yes: 'Working on it', no: 'Not working on it' },
  Stalled: { yes: 'Stuck: it will not retry until the object or its inputs change', no: 'Not stuck' },
  Healthy: { yes: 'The applied objects are healthy', no: 'The applied objects are not healthy' },
  ArtifactInStorage: { yes: 'The artifact is stored', no: 'No artifact is stored' },
  SourceVerified: { yes: 'The source signature is verified', no: 'The source signature is not verified' },
  FetchFailed: { yes: 'Fetching failed', no: 'Fetching works' },
  BuildFailed: { yes: 'Building failed', no: 'Building works' },
  StorageOperationFailed: { yes: 'Storing the artifact failed', no: 'Storage works' },
  IncludeUnavailable: { yes: 'An included source is not available', no: 'Included sources are available' },
};

/** One condition as a sentence: "Not ready (BuildFailed): kustomize build failed …". */
export function conditionSentence(c: Condition): string {
  const words = conditionWords[c.type];
  let head: string;
  if (c.status === 'Unknown') head = `${c.type}: not known yet`;
  else if (words) head = c.status === 'True' ? words.yes : words.no;
  else head = `${c.type}: ${c.status === 'True' ? 'yes' : 'no'}`;
  return `${head}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
}

/** "3 minutes ago" for an RFC 3339 time; the exact time is in the title. */
export function Ago({ time }: { time: string | undefined }) {
  if (!time) return <span>—</span>;
  const ms = Date.now() - Date.parse(time);
  let text: string;
  if (!Number.isFinite(ms)) text = time;
  else if (ms < 60_000) text = 'just now';
  else if (ms < 3_600_000) text = `${Math.round(ms / 60_000)} min ago`;
  else if (ms < 86_400_000) text = `${Math.round(ms / 3_600_000)} h ago`;
  else text = `${Math.round(ms / 86_400_000)} d ago`;
  return (
    <time dateTime={time} title={time}>
      {text}
    </time>
  );
}
