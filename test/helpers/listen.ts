/** Starts a test mock on a free loopback port, for tests that go over a real socket. */
import type { Server } from 'node:http';

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
