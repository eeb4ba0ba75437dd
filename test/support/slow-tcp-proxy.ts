import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A TCP proxy on a free loopback port that holds every chunk, in both directions, `delayMs` before
 * passing it on, in order: a server that answers late, whatever the client sends. The delay can be
 * changed while connections are open; a change applies to chunks that arrive after it.
 */
export interface SlowTcpProxy {
  readonly port: number;
  delayMs: number;
  /** Chunks forwarded so far, both directions. */
  readonly chunks: number;
  close(): Promise<void>;
}

export async function startSlowTcpProxy(
  target: { host: string; port: number },
  delayMs: number,
): Promise<SlowTcpProxy> {
  const sockets = new Set<Socket>();
  let chunks = 0;
  const proxy = {
    port: 0,
    delayMs,
    get chunks() {
      return chunks;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };

  /** Forwards what `from` receives to `to`, each chunk `proxy.delayMs` after it arrived. */
  const relay = (from: Socket, to: Socket) => {
    const queue: { chunk: Buffer; due: number }[] = [];
    let pumping = false;
    const pump = async () => {
      pumping = true;
      for (let head = queue[0]; head !== undefined; head = queue[0]) {
        const wait = head.due - performance.now();
        if (wait > 0) await sleep(wait);
        queue.shift();
        if (to.destroyed) break;
        to.write(head.chunk);
        chunks += 1;
      }
      pumping = false;
    };
    from.on('data', (chunk: Buffer) => {
      queue.push({ chunk, due: performance.now() + proxy.delayMs });
      if (!pumping) void pump();
    });
    from.on('close', () => to.destroy());
  };

  const server = createServer((client) => {
    const upstream = createConnection(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
