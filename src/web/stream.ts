// Server-sent events: one bounded queue per client; a client that does not read is dropped.

/** Messages a client may have waiting before it is dropped. */
export const DefaultClientBuffer = 256;

export interface StreamStats {
  clients: number;
  /** Clients dropped because their queue was full (they stopped reading). */
  dropped: number;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
}

const encoder = new TextEncoder();

/** One SSE frame; `data` is JSON, so it holds no raw newline. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Fans messages out to SSE clients. Each client's stream is a ReadableStream whose queue counts
 * messages: the HTTP server pulls from it only as fast as the socket drains, so a client that never
 * reads lets its queue grow, and once it holds `bufferSize` messages the client is closed and forgotten.
 */
export class SseBroadcaster {
  private readonly clients = new Set<Client>();
  private readonly bufferSize: number;
  private dropped = 0;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(opts: { bufferSize?: number; keepAliveMs?: number } = {}) {
    this.bufferSize = opts.bufferSize ?? DefaultClientBuffer;
    const every = opts.keepAliveMs ?? 25_000;
    // A comment line keeps proxies from closing an idle stream.
    if (every > 0) {
      this.keepAlive = setInterval(() => this.sendRaw(': keep-alive\n\n'), every);
      this.keepAlive.unref();
    }
  }

  get stats(): StreamStats {
    return { clients: this.clients.size, dropped: this.dropped };
  }

  /** A new client's stream, starting with `first` (already framed). */
  open(first: string): ReadableStream<Uint8Array> {
    let client: Client | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = { controller, closed: false };
          this.clients.add(client);
          controller.enqueue(encoder.encode(first));
        },
        cancel: () => {
          if (client) this.forget(client);
        },
      },
      new CountQueuingStrategy({ highWaterMark: this.bufferSize }),
    );
  }

  send(event: string, data: unknown): void {
    if (this.clients.size > 0) this.sendRaw(sseFrame(event, data));
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const c of [...this.clients]) {
      this.forget(c);
      try {
        c.controller.close();
      } catch {
        // Already closed or errored by the reader side.
      }
    }
  }

  private sendRaw(frame: string): void {
    const bytes = encoder.encode(frame);
    for (const c of [...this.clients]) {
      // desiredSize is highWaterMark minus the queued messages: at or below 0 the queue is full.
      if ((c.controller.desiredSize ?? 0) <= 0) {
        this.dropped++;
        this.forget(c);
        c.controller.error(new Error('event stream client is not reading; dropped'));
        continue;
      }
      c.controller.enqueue(bytes);
    }
  }

  private forget(c: Client): void {
    c.closed = true;
    this.clients.delete(c);
  }
}
