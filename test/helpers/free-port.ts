/**
 * A free TCP port on 127.0.0.1, for servers a test starts in another process. Chosen below the
 * kernel's ephemeral range (32768 and up on Linux): a port the OS hands out for `listen(0)` is also
 * one it hands to outgoing connections, and under a busy suite (hundreds of client sockets, Redis
 * connections) one of them could take it before the server binds it (EADDRINUSE).
 */
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_767;

/** Whether 127.0.0.1:`port` can be bound right now. */
export function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH} on 127.0.0.1`);
}
