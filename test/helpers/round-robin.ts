/** A round-robin HTTP front for tests: each request goes to the next target in turn (a load balancer without affinity). */
import { createServer, request, type Server } from 'node:http';
import { listen } from './listen.js';

export interface RoundRobin {
  url: string;
  /** Requests sent to each target so far. */
  counts: number[];
  server: Server;
}

export async function roundRobin(targets: string[]): Promise<RoundRobin> {
  const counts = targets.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % targets.length;
    counts[i]!++;
    const up = request(targets[i]! + req.url, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(up);
  });
  return { url: await listen(server), counts, server };
}
