/** Starts `contract-mock serve` (or `proxy`) in its own process on a free port and waits for its "listening on" line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from './free-port.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function serveProcess(args: string[], { command = 'serve', host = '127.0.0.1' }: { command?: 'serve' | 'proxy'; host?: string } = {}): Promise<ServeProcess> {
  const port = await freePort();
  const bin = join(packageRoot(), 'bin', 'contract-mock.js');
  const child = spawn(process.execPath, [bin, command, '--host', host, '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${out}${err}`)));
  });
  return {
    url: `http://${host}:${port}`,
    child,
    stderr: () => err,
    alive: () => !exited,
    stop: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}
