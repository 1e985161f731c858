/**
 * docs/getting-started.md, run as written: its ```sh serve block is started (with PORT set to a free port, which
 * serve honours), then every ```sh test block runs in order in `sh`, the mock's port put in place of 4010 and nothing
 * else changed, each exiting 0 (or the code its `exit=N` says). ```sh setup blocks (npm ci, npm pack) are what CI and
 * test/cli/package.test.ts run; a block with no tag fails the test, so no command is left untried.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const root = packageRoot();
const page = readFileSync(join(root, 'docs', 'getting-started.md'), 'utf8');

interface Block {
  tag: string;
  exit: number;
  /** `expect=TEXT`: what its output must contain. */
  expect: string;
  text: string;
}

/** Every fenced block of the page whose info string starts with sh, in order. */
function shellBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```sh([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => {
    const info = m[1]!.trim().split(/\s+/);
    const word = (key: string): string | undefined => info.find((w) => w.startsWith(`${key}=`))?.slice(key.length + 1);
    return { tag: info[0] ?? '', exit: Number(word('exit') ?? 0), expect: word('expect') ?? '', text: m[2]! };
  });
}

const blocks = shellBlocks(page);
let port = 0;
let server: ChildProcess | undefined;

beforeAll(async () => {
  port = await freePort();
  const [serve] = blocks.filter((b) => b.tag === 'serve');
  // Its own process group, so the node process npx starts stops with it.
  server = spawn('sh', ['-c', serve!.text], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('listening on') && resolve()));
    server!.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server!.on('exit', (code) => reject(new Error(`the serve block exited ${code}: ${out}`)));
  });
}, 60_000);

afterAll(() => {
  if (server?.pid) process.kill(-server.pid, 'SIGKILL');
});

describe('docs/getting-started.md', () => {
  test('every sh block is tagged setup, serve or test, and there is one serve block and some test blocks', () => {
    expect(blocks.map((b) => b.tag).filter((t) => !['setup', 'serve', 'test'].includes(t))).toEqual([]);
    expect(blocks.filter((b) => b.tag === 'serve')).toHaveLength(1);
    expect(blocks.filter((b) => b.tag === 'test').length).toBeGreaterThanOrEqual(5);
  });

  test("the setup commands are the README's and the package's own", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const [repo] = blocks.filter((b) => b.tag === 'setup');
    for (const line of repo!.text.trim().split('\n')) expect(readme).toContain(line.split('#')[0]!.trim());
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(page).toContain(`npm i -D ./contract-mock-${version}.tgz`);
  });

  // One test, the blocks in the page's order: the page is a walkthrough (a later block reports on the calls an
  // earlier one made), so a shuffled run must not reorder them.
  test("every test block runs as written, in the page's order, with its exit code and output", () => {
    const tests = blocks.filter((b) => b.tag === 'test');
    for (const [i, { exit, expect: expected, text }] of tests.entries()) {
      const run = spawnSync('sh', ['-c', text.replaceAll('127.0.0.1:4010', `127.0.0.1:${port}`)], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const where = `test block ${i + 1}: ${text}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
      expect(run.status, where).toBe(exit);
      expect(run.stdout, where).toContain(expected);
    }
  }, 240_000);
});
