// One EventSource for the whole page: informer changes, recorded events and report updates, pushed by
// the engine (GET /api/events/stream). The browser reconnects by itself after a drop.
import type { DashboardEvent, ObjectRow } from './api.ts';

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
let source: EventSource | undefined;
let connected = false;

function ensureOpen(): void {
  if (source) return;
  source = new EventSource('/api/events/stream');
  const setConnected = (v: boolean): void => {
    connected = v;
    for (const l of listeners) l.connection?.(v);
  };
  let everConnected = false;
  source.addEventListener('hello', () => {
    setConnected(true);
    // After a reconnect, changes made while disconnected were missed: an empty change list tells every
    // page to reload what it shows.
    if (everConnected) for (const l of listeners) l.objects?.([]);
    everConnected = true;
  });
  source.addEventListener('error', () => setConnected(false));
  source.addEventListener('objects', (m) => {
    const changes = JSON.parse((m as MessageEvent<string>).data) as ObjectChange[];
    for (const l of listeners) l.objects?.(changes);
  });
  source.addEventListener('event', (m) => {
    const e = JSON.parse((m as MessageEvent<string>).data) as DashboardEvent;
    for (const l of listeners) l.event?.(e);
  });
  source.addEventListener('report', () => {
    for (const l of listeners) l.report?.();
  });
}

/** Subscribes; returns the unsubscribe function (for a component's effect cleanup). */
export function subscribe(l: Listener): () => void {
  ensureOpen();
  listeners.add(l);
  l.connection?.(connected);
  return () => listeners.delete(l);
}
