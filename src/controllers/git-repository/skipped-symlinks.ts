// The warning a GitRepository records when its artifact leaves out symlinks that point outside the repository.
import type { RecordOptions } from '../../runtime/events.ts';

/** Event reason (Warning) for links left out of an artifact; Flux drops links without an event. */
export const SymlinkSkippedReason = 'SymlinkSkipped';

/** How many link paths one event names; the rest are counted, so a tree of links cannot flood the event. */
export const MaxNamedSymlinks = 10;

/**
 * The Warning event naming the left-out links (pure). It names the links by their path in the
 * repository only, never where they point: the target is the host's business, not the repository's.
 */
export function skippedSymlinksEvent(links: readonly string[], revision: string): RecordOptions {
  const named = links.slice(0, MaxNamedSymlinks).map((l) => `'${l}'`);
  const more = links.length > MaxNamedSymlinks ? ` and ${links.length - MaxNamedSymlinks} more` : '';
  const noun = links.length === 1 ? 'symlink' : 'symlinks';
  return {
    type: 'Warning',
    reason: SymlinkSkippedReason,
    message: `left out of the artifact: ${noun} ${named.join(', ')}${more} ${links.length === 1 ? 'points' : 'point'} outside the repository; make the ${noun} relative and inside the repository, or list ${links.length === 1 ? 'it' : 'them'} in .sourceignore`,
    metadata: { revision },
  };
}
