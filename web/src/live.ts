// One stream for the whole page: informer changes, recorded events and report updates, pushed by the
// engine (GET /api/events/stream) as server-sent events. Read with fetch rather than EventSource so the
// signed-in user's token goes in a header (never in a URL); after a drop it reconnects in 3 s.
import { authHeaders, type DashboardEvent, type ObjectRow } from './api.ts';

export interface ObjectChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  row: ObjectRow;
}

type Listener = {
  /** Changed rows; an empty list means "anything may have changed" (after a reconnect). */
  objects?: (changes: ObjectChange[]) => void;
  event?: (e: DashboardEvent) => void;
  report?: () => void;
  connection?: (live: boolean) => void;
};

const listeners = new Set<Listener>();
let opened = false;
let connected = false;
let everConnected = false;
let current: AbortController | undefined;

function setConnected(v: boolean): void {
  connected = v;
  for (const l of listeners) l.connection?.(v);
}

function dispatch(event: string, data: string): void {
  if (event === 'hello') {
    setConnected(true);
    // After a reconnect, changes made while disconnected were missed: an empty change list tells every
    // page to reload what it shows.
    if (everConnected) for (const l of listeners) l.objects?.([]);
    everConnected = true;
  } else if (event === 'objects') {
    const changes = JSON.parse(data) as ObjectChange[];
    for (const l of listeners) l.objects?.(changes);
  } else if (event === 'event') {
    const e = JSON.parse(data) as DashboardEvent;
    for (const l of listeners) l.event?.(e);
  } else if (event === 'report') {
    for (const l of listeners) l.report?.();
  }
}

/** Parses one SSE frame (`event:` and `data:` lines). */
function frame(text: string): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length || event === 'hello') dispatch(event, data.join('\n'));
}

async function connect(): Promise<void> {
  const abort = new AbortController();
  current = abort;
  try {
    const res = await fetch('/api/events/stream', { headers: authHeaders(), signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(String(res.status));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += value;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        frame(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
    }
  } catch {
    // dropped, refused or aborted: reconnect below
  }
  if (current !== abort) return;
  setConnected(false);
  setTimeout(() => void connect(), 3000);
}

function ensureOpen(): void {
  if (opened) return;
  opened = true;
  void connect();
}

/** Starts over with the current token (after signing in or out). */
export function reconnect(): void {
  if (!opened) return;
  current?.abort();
  void connect();
}

/** Subscribes; returns the unsubscribe function (for a component's effect cleanup). */
export function subscribe(l: Listener): () => void {
  ensureOpen();
  listeners.add(l);
  l.connection?.(connected);
  return () => listeners.delete(l);
}
