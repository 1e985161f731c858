/**
 * A throwaway redis-server for a test file: Debian's binary on a free loopback port, no persistence,
 * stopped after the file. Missing binary: the file's tests are skipped locally with a message, and
 * fail under CI=true (.ci/run installs redis-server, so a missing one is a broken CI, not a skip).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from './free-port.js';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const IN_CI = process.env['CI'] === 'true';

/** Skip locally without a redis-server; never under CI, where the tests run and fail instead. */
export const SKIP_WITHOUT_REDIS = !REDIS_SERVER && !IN_CI;
if (SKIP_WITHOUT_REDIS)
  console.warn('Redis tests skipped: redis-server is missing (apt-get install redis-server; .ci/run installs it).');

export interface TestRedis {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGSTOP: the server keeps its connections but answers nothing (a stalled Redis). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.on('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
    socket.on('error', () => resolve(false));
  });
}

/** `args`: more redis-server options (`--dir DIR`...). */
export async function startRedis(args: string[] = []): Promise<TestRedis> {
  if (!REDIS_SERVER)
    throw new Error(
      'redis-server is not installed (apt-get install redis-server); under CI=true the Redis tests must run',
    );
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  for (let i = 0; ; i++) {
    if (await ping(port)) break;
    if (child.exitCode !== null || i > 100) throw new Error(`redis-server did not start on port ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    child,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
