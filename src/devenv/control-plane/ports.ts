import { createServer, type Server } from 'node:net';

/** Resolves to true when `port` can be bound on 127.0.0.1 right now (false when it is taken). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Picks `count` distinct free loopback ports; slot i keeps `preferred[i]` when that port is still free
 * (so a restarted control plane keeps its URLs). Another process may still grab a port before it is
 * used; callers retry on "address already in use".
 */
export async function pickPorts(count: number, preferred: number[] = []): Promise<number[]> {
  const picked: (number | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const port = preferred[i];
    const ok = port !== undefined && port > 0 && !picked.includes(port) && (await isPortFree(port));
    picked.push(ok ? port : undefined);
  }
  // Hold every ephemeral listener open until all are chosen so the kernel never hands out one twice.
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      while (picked[i] === undefined) {
        const server = createServer();
        servers.push(server);
        const port = await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
            const addr = server.address();
            resolve(typeof addr === 'object' && addr ? addr.port : 0);
          });
        });
        if (port > 0 && !picked.includes(port)) picked[i] = port;
      }
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return picked.map((p) => p ?? 0);
}
