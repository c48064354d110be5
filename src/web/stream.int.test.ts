// The event stream over a real socket: a client that never reads fills its socket buffers, then its
// bounded queue, and is dropped, while a reading client keeps receiving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { startHttpServer } from '../runtime/http-server.ts';
import { createDashboardApp } from './api.ts';
import { EventLog } from './event-log.ts';

test('a stream client that stops reading is dropped once the socket and its queue are full', async () => {
  const events = new EventLog(10);
  const made = createDashboardApp({ kinds: [], events }, { streamBuffer: 32, keepAliveMs: 0 });
  const server = await startHttpServer({ app: made.app, addr: '127.0.0.1:0' });
  const idle = connect(server.port, '127.0.0.1');
  try {
    await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
    idle.write(`GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    // Reads the response head, then never reads again.
    await new Promise<void>((resolve) => idle.once('data', () => resolve()));
    idle.pause();
    const reading = await fetch(`${server.url}/api/events/stream`);
    const reader = reading.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    await assert.doesNotReject(async () => {
      while (!received.includes('event: hello')) received += decoder.decode((await reader.read()).value);
    });
    assert.equal(made.broadcaster.stats.clients, 2);
    const message = 'x'.repeat(3900);
    // Loopback socket buffers hold a few MB; 40 MB of events is far more than they and the queue can take.
    let sent = 0;
    for (; sent < 10_000 && made.broadcaster.stats.dropped === 0; sent++) {
      events.add({
        type: 'Normal',
        reason: `R${sent}`,
        message,
        timestamp: 't',
        involvedObject: { kind: 'K', namespace: 'n', name: 'x' },
      });
      // The reading client keeps up, so only the idle one falls behind.
      while (!received.includes(`"R${sent}"`))
        received = received.slice(-8000) + decoder.decode((await reader.read()).value);
      await tick();
    }
    assert.deepEqual(made.broadcaster.stats, { clients: 1, dropped: 1 }, `after ${sent} events`);
    events.add({
      type: 'Warning',
      reason: 'AfterTheDrop',
      message: 'm',
      timestamp: 't',
      involvedObject: { kind: 'K', namespace: 'n', name: 'x' },
    });
    while (!received.includes('AfterTheDrop')) received += decoder.decode((await reader.read()).value);
    await reader.cancel();
  } finally {
    idle.destroy();
    made.close();
    await server.close();
  }
});
