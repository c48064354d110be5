// The engine's recent events, kept in memory for the dashboard (fed by the event recorder's sink).
import type { RecordedEvent } from '../runtime/events.ts';

/** An event as the dashboard shows it. */
export interface DashboardEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  timestamp: string;
  involvedObject: { kind: string; namespace: string; name: string };
  /** `<group>/revision` and the like, when the event carried it. */
  revision?: string;
  count?: number;
}

/** Longest event message kept; the recorder already caps at 39000 characters (Flux). */
const MessageChars = 4000;

export function dashboardEvent(e: RecordedEvent): DashboardEvent {
  const revision = Object.entries(e.metadata).find(([k]) => k.endsWith('/revision'))?.[1];
  return {
    type: e.type,
    reason: e.reason,
    message: e.message.length > MessageChars ? `${e.message.slice(0, MessageChars)}…` : e.message,
    timestamp: e.timestamp,
    involvedObject: {
      kind: e.involvedObject.kind,
      namespace: e.involvedObject.namespace,
      name: e.involvedObject.name,
    },
    ...(revision ? { revision } : {}),
  };
}

/**
 * A ring of the last `capacity` events this engine recorded, newest last, with listeners for the live
 * stream. Events recorded before this process started are not here (the object page reads those from
 * the API server).
 */
export class EventLog {
  private readonly capacity: number;
  private readonly ring: DashboardEvent[] = [];
  private readonly listeners = new Set<(e: DashboardEvent) => void>();

  constructor(capacity = 1000) {
    this.capacity = capacity;
  }

  /** The sink to add to the event recorder. */
  readonly sink = (e: RecordedEvent): void => this.add(dashboardEvent(e));

  add(e: DashboardEvent): void {
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of this.listeners) l(e);
  }

  /** Newest first, at most `limit`, optionally filtered. */
  recent(limit: number, filter: (e: DashboardEvent) => boolean = () => true): DashboardEvent[] {
    const out: DashboardEvent[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.ring[i]!;
      if (filter(e)) out.push(e);
    }
    return out;
  }

  onEvent(l: (e: DashboardEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
