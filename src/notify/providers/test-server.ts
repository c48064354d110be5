// A recording HTTP server on 127.0.0.1 for the provider tests: scripted replies, hangs, cleanup.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** One request the server received. */
export interface Recorded {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer one request; `hang` never answers. */
export interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  hang?: boolean;
}

/** A started server; `replies` are used in order, then `defaultReply`. */
export interface RecordingServer {
  url: string;
  requests: Recorded[];
  replies: Reply[];
  defaultReply: Reply;
  /** Answers requests (after `replies`, before `defaultReply`) when it returns a reply. */
  route?: (req: Recorded) => Reply | undefined;
  /** Clears the recorded requests and pending replies. */
  reset(): void;
}

/** Starts a server that is closed (hanging connections included) when the test ends. */
export async function startRecordingServer(t: TestContext): Promise<RecordingServer> {
  const hanging = new Set<ServerResponse>();
  const state: RecordingServer = {
    url: '',
    requests: [],
    replies: [],
    defaultReply: { status: 200, body: '{}' },
    reset() {
      state.requests.length = 0;
      state.replies.length = 0;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.requests.push(recorded);
      const reply = state.replies.shift() ?? state.route?.(recorded) ?? state.defaultReply;
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });
  return state;
}

/** Parses a recorded body as JSON, failing the test with the raw body when it is not. */
export function jsonBody(req: Recorded | undefined): Record<string, unknown> {
  if (!req) throw new Error('no request was recorded');
  try {
    return JSON.parse(req.body) as Record<string, unknown>;
  } catch {
    throw new Error(`request body is not JSON: ${req.body.slice(0, 200)}`);
  }
}
