/** Every CLI mistake through the real binary: one plain line on stderr that names the fix, exit 2, no stack trace. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const dir = mkdtempSync(join(tmpdir(), 'cm-mistakes-'));
const aFile = join(dir, 'a-file.txt');
const aFolder = join(dir, 'a-folder');
writeFileSync(aFile, 'x');
mkdirSync(aFolder);
let busy: Server;
let busyPort = 0;
// Nothing listens on port 2 of loopback (privileged, and not one of the ports fetch refuses) (tests bind only free high ports): a connection there is refused at once,
// where a port taken from freePort() may meanwhile be bound by another test running in parallel.
const deadPort = 2;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(() => busy.close());

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 25_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

// [what the user got wrong, the command line, what the one line must say]
const MISTAKES: Array<[string, () => string[], string | RegExp | (() => string)]> = [
  [
    'serve on a port in use',
    () => ['serve', '--port', String(busyPort)],
    () => `port ${busyPort} on 127.0.0.1 is already in use: stop what holds it, or pick another with --port N`,
  ],
  [
    'proxy on a port in use',
    () => ['proxy', '--target', 'http://127.0.0.1:9', '--port', String(busyPort)],
    () => `port ${busyPort} on 127.0.0.1 is already in use`,
  ],
  ['serve --port out of range', () => ['serve', '--port', '70000'], '--port must be 0-65535, got 70000'],
  ['lint a missing file', () => ['lint', join(dir, 'nonexistent.yaml')], 'nonexistent.yaml: no such file or folder'],
  [
    'lint --scenarios a missing folder',
    () => ['lint', '--scenarios', join(dir, 'missing')],
    /--scenarios \S+missing: no such folder/,
  ],
  [
    'serve --scenarios a missing folder',
    () => ['serve', '--port', '0', '--scenarios', join(dir, 'missing')],
    /--scenarios \S+missing: no such folder/,
  ],
  [
    'serve --scenarios a file',
    () => ['serve', '--port', '0', '--scenarios', aFile],
    'is a file; give the folder that holds it',
  ],
  ['serve --state a file', () => ['serve', '--port', '0', '--state', aFile], 'a-file.txt is a file; give a folder'],
  [
    'serve --journal under a file',
    () => ['serve', '--port', '0', '--journal', join(aFile, 'calls.ndjson')],
    /--journal \S+calls.ndjson: cannot create the folder/,
  ],
  [
    'serve --journal a folder',
    () => ['serve', '--port', '0', '--journal', aFolder],
    'a-folder is a folder; give a file name',
  ],
  [
    'serve --scenario unknown',
    () => ['serve', '--port', '0', '--scenario', 'no-such-scenario'],
    'unknown scenario "no-such-scenario"; available: ',
  ],
  [
    'verify --config missing',
    () => ['verify', '--target', 'http://127.0.0.1:9', '--config', join(dir, 'creds.yaml')],
    /--config \S+creds.yaml: no such file/,
  ],
  [
    'verify --config a folder',
    () => ['verify', '--target', 'http://127.0.0.1:9', '--config', aFolder],
    'a-folder is a folder; give a file',
  ],
  [
    'verify --target without a scheme',
    () => ['verify', '--target', 'localhost:4010'],
    '--target localhost:4010 is not an http:// or https:// URL; write --target http://localhost:4010',
  ],
  [
    'proxy --target without a scheme',
    () => ['proxy', '--target', 'localhost:4020', '--port', '0'],
    '--target localhost:4020 is not an http:// or https:// URL; write --target http://localhost:4020',
  ],
  [
    'serve --max-held 0',
    () => ['serve', '--port', '0', '--max-held', '0'],
    '--max-held must be a whole number above 0, got 0',
  ],
  [
    'proxy --max-body not a number',
    () => ['proxy', '--target', 'http://127.0.0.1:9', '--port', '0', '--max-body', '1MB'],
    '--max-body must be a whole number above 0, got 1MB',
  ],
  [
    'report --url without a scheme',
    () => ['report', '--url', 'localhost:4010'],
    '--url localhost:4010 is not an http:// or https:// URL; write --url http://localhost:4010',
  ],
  [
    'verify an unreachable target',
    () => ['verify', '--target', `http://127.0.0.1:${deadPort}`],
    () => `cannot reach --target http://127.0.0.1:${deadPort} (ECONNREFUSED): is the server running`,
  ],
  [
    'report an unreachable mock',
    () => ['report', '--url', `http://127.0.0.1:${deadPort}`],
    () =>
      `cannot reach the mock at http://127.0.0.1:${deadPort} (ECONNREFUSED): start it with contract-mock serve, or pass --url`,
  ],
  [
    'verify an unknown --api',
    () => ['verify', '--target', 'http://127.0.0.1:9', '--api', 'nope'],
    'unknown --api nope; use ',
  ],
  ['an unknown option', () => ['serve', '--prot', '4010'], "unknown option '--prot'"],
  ['an unknown command', () => ['srve'], "unknown command 'srve'"],
];

describe('CLI mistakes', () => {
  test.each(MISTAKES)('%s: one line naming the fix, exit 2', async (_what, args, expected) => {
    const run = await cli(args());
    const says = typeof expected === 'function' ? expected() : expected;
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain('node:internal');
    expect(run.stderr).toMatch(
      typeof says === 'string' ? new RegExp(says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : says,
    );
    // Commander adds a hint line after its own errors; ours are exactly one line.
    const lines = run.stderr.trim().split('\n');
    expect(lines.length, run.stderr).toBeLessThanOrEqual(args()[0] === 'srve' || args()[1] === '--prot' ? 3 : 1);
    expect(run.status, run.stderr).toBe(2);
  });
});
