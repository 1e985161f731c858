/**
 * Starts Prism (the devDependency) on a free loopback port: `prism mock` of a spec, or `prism proxy --errors`
 * in front of an upstream. Prism takes seconds to start, so on a busy machine another program can take the
 * port first: an EADDRINUSE start is retried on a new port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from './free-port.js';

/** One start of `prism COMMAND -h 127.0.0.1 -p PORT ...rest`; resolves once Prism says it listens. */
function startOnce(command: 'mock' | 'proxy', port: number, rest: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(packageRoot(), 'node_modules', '.bin', 'prism'),
      [command, '-h', '127.0.0.1', '-p', String(port), ...rest],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('Prism is listening')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(
        Object.assign(new Error(`prism ${command} exited ${code} before listening:\n${out}`), {
          inUse: out.includes('EADDRINUSE'),
        }),
      ),
    );
  });
}

async function start(
  command: 'mock' | 'proxy',
  rest: string[],
  attempts = 3,
): Promise<{ child: ChildProcess; port: number }> {
  for (let i = 1; ; i++) {
    const port = await freePort();
    try {
      return { child: await startOnce(command, port, rest), port };
    } catch (e) {
      if (!(e as { inUse?: boolean }).inUse || i >= attempts) throw e;
    }
  }
}

/** `prism mock FILE`. */
export function startPrism(file: string, attempts = 3): Promise<{ child: ChildProcess; port: number }> {
  return start('mock', [file], attempts);
}

/** `prism proxy --errors SPEC UPSTREAM`: validates both sides of every exchange it forwards. */
export function startPrismProxy(
  spec: string,
  upstream: string,
  attempts = 3,
): Promise<{ child: ChildProcess; port: number }> {
  return start('proxy', ['--errors', spec, upstream], attempts);
}
