/**
 * Starts `contract-mock serve` (or `proxy`) in its own process with `--port 0`, so the kernel binds a free port
 * (no pick-then-bind race between parallel test files), and reads the URL from its "listening on" line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function serveProcess(
  args: string[],
  { command = 'serve', host = '127.0.0.1' }: { command?: 'serve' | 'proxy'; host?: string } = {},
): Promise<ServeProcess> {
  const bin = join(packageRoot(), 'bin', 'contract-mock.js');
  const child = spawn(process.execPath, [bin, command, '--host', host, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let url = '';
  let exited = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(out);
      if (listening) {
        url = listening[1]!;
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${out}${err}`)));
  });
  return {
    url,
    child,
    stderr: () => err,
    alive: () => !exited,
    stop: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}
