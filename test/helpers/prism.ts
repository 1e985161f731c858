/**
 * Starts `prism mock` (the devDependency) on a free loopback port. Prism takes seconds to start, so on a busy
 * machine another program can take the port first: an EADDRINUSE start is retried on a new port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from './free-port.js';

function startOnce(file: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(packageRoot(), 'node_modules', '.bin', 'prism'), ['mock', '-h', '127.0.0.1', '-p', String(port), file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Prism is listening')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(Object.assign(new Error(`prism exited ${code} before listening:\n${out}`), { inUse: out.includes('EADDRINUSE') })));
  });
}

export async function startPrism(file: string, attempts = 3): Promise<{ child: ChildProcess; port: number }> {
  for (let i = 1; ; i++) {
    const port = await freePort();
    try {
      return { child: await startOnce(file, port), port };
    } catch (e) {
      if (!(e as { inUse?: boolean }).inUse || i >= attempts) throw e;
    }
  }
}
