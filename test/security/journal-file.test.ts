/**
 * The journal on disk (issue "Safe to share"): finding 4 (files rotate at a size, keep N, restart reads them
 * streaming and only the newest part it can keep), finding 13 (a torn last line does not swallow the next
 * record), finding 14 end to end (kill -9 right after an answered call loses nothing) and finding 17 (0600).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  ftruncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { Journal } from '../../src/journal/journal.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { freePort } from '../helpers/free-port.js';
import { listen } from '../helpers/listen.js';

let n = 0;
const rec = (session: string, over: Partial<CallRecord> = {}): CallRecord => ({
  id: `id-${++n}`,
  time: '2026-11-22T06:00:00.000Z',
  mockTime: 0,
  session,
  api: 'platform-sync',
  operationId: 'channelToken',
  method: 'POST',
  path: '/v1/channel/token',
  query: {},
  request: { headers: {}, body: { n, pad: 'x'.repeat(300) } },
  response: { status: 200, headers: {}, body: {}, code: '200' },
  durationMs: 1,
  violations: [],
  scenarios: [],
  deliveries: [],
  ...over,
});
const dir = (): string => mkdtempSync(join(tmpdir(), 'cm-jfile-'));
const ids = (j: Journal, s: string): string[] => j.query(s).map((c) => c.id);

describe('rotation and restore (finding 4)', () => {
  test('the file rotates at --journal-max-size, keeping --journal-keep files; a restart reads them back in order', async () => {
    const d = dir();
    const file = join(d, 'journal.ndjson');
    const j = await Journal.open({
      maxPerSession: 10_000,
      maxTotal: 10_000,
      file,
      restore: true,
      rotateBytes: 10_000,
      keepFiles: 2,
    });
    const written: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = rec('s');
      j.append(r);
      written.push(r.id);
    }
    await j.close();
    expect(readdirSync(d).sort()).toEqual(['journal.1.ndjson', 'journal.2.ndjson', 'journal.ndjson']);
    for (const f of readdirSync(d)) expect(statSync(join(d, f)).size).toBeLessThanOrEqual(10_000);
    const onDisk = ['journal.2.ndjson', 'journal.1.ndjson', 'journal.ndjson'].flatMap((f) =>
      readFileSync(join(d, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id as string),
    );
    expect(onDisk).toEqual(written.slice(-onDisk.length));
    expect(onDisk.length).toBeLessThan(100);
    const again = await Journal.open({
      maxPerSession: 10_000,
      maxTotal: 10_000,
      file,
      restore: true,
      rotateBytes: 10_000,
      keepFiles: 2,
    });
    expect(ids(again, 's')).toEqual(onDisk);
    await again.close();
  });

  test('a journal bigger than any string (a 600 MB file) restores its newest records, reading only what it keeps', async () => {
    const d = dir();
    const file = join(d, 'journal.ndjson');
    // Sparse: 600 MB of hole (no disk used), then real records, as a long run without rotation leaves it.
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    const tail = Array.from({ length: 50 }, () => JSON.stringify(rec('big'))).join('\n') + '\n';
    appendFileSync(file, '\n' + tail);
    const j = await Journal.open({
      maxPerSession: 10_000,
      maxTotal: 10_000,
      maxBytes: 1024 * 1024,
      file,
      restore: true,
      rotateBytes: 10 * 1024 * 1024 * 1024,
    });
    expect(j.query('big')).toHaveLength(50);
    expect(j.stats().restored).toBe(50);
    await j.close();
  });
});

describe('a torn last line (finding 13)', () => {
  test.each([
    ['--state (restored)', true],
    ['--journal FILE', false],
  ])(
    '%s: the record written after a crash mid-line is kept, and read back at the next restart',
    async (_what, restore) => {
      const file = join(dir(), 'journal.ndjson');
      const a = await Journal.open({ maxPerSession: 100, maxTotal: 100, file, restore });
      a.append(rec('t', { id: 'before' }));
      await a.close();
      appendFileSync(file, JSON.stringify(rec('t', { id: 'torn' })).slice(0, 40));
      const b = await Journal.open({ maxPerSession: 100, maxTotal: 100, file, restore });
      b.append(rec('t', { id: 'after' }));
      await b.close();
      const c = await Journal.open({ maxPerSession: 100, maxTotal: 100, file, restore: true });
      expect(ids(c, 't')).toEqual(['before', 'after']);
      expect(c.stats().unreadableLines).toBe(1);
      await c.close();
    },
  );
});

describe('files are private (finding 17)', () => {
  test('the journal file is created 0600 (and an existing one tightened)', async () => {
    const d = dir();
    const fresh = join(d, 'calls.ndjson');
    const j = new Journal({ maxPerSession: 10, maxTotal: 10, file: fresh });
    j.append(rec('p'));
    await j.close();
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const old = join(d, 'old.ndjson');
    writeFileSync(old, '', { mode: 0o644 });
    await new Journal({ maxPerSession: 10, maxTotal: 10, file: old }).close();
    expect(statSync(old).mode & 0o777).toBe(0o600);
  });
});

describe('kill -9 right after an answered call (finding 14)', () => {
  const bin = join(packageRoot(), 'bin', 'contract-mock.js');
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  afterEach(() => {
    children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
    servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close()));
  });
  async function serve(state: string, port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--state', state], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => ((out += b), out.includes('listening') && resolve()));
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    return child;
  }

  test('the receive record survives, its delivery outcome marked unknown', async () => {
    // A push target that takes the delivery and never answers: the delivery is still running at the kill.
    const silent = createServer(() => {});
    servers.push(silent);
    const hook = `${await listen(silent)}/hook`;
    const state = dir();
    const port = await freePort();
    const child = await serve(state, port);
    const base = `http://127.0.0.1:${port}`;
    const headers = { 'content-type': 'application/json', 'x-mock-session': 'kill' };
    expect(
      (
        await fetch(`${base}/__mock/state`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ 'wx-push': { projects: [{ id: 1, url: hook, project: 'p', statu: 0 }] } }),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        (await (await fetch(`${base}/wx/wxc/receive`, { method: 'POST', headers, body: '{"event":"x"}' })).json()) as {
          code: number;
        }
      ).code,
    ).toBe(200);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const again = await serve(state, port);
    const calls = (await (await fetch(`${base}/__mock/calls?operationId=receive`, { headers })).json()) as CallRecord[];
    expect(calls).toHaveLength(1);
    expect(calls[0]!.deliveries).toEqual([
      expect.objectContaining({ url: hook, ok: false, error: expect.stringContaining('outcome unknown') }),
    ]);
    for (const f of ['journal.ndjson', 'state.log', 'state.json'])
      if (existsSync(join(state, f))) expect(statSync(join(state, f)).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    again.kill('SIGKILL');
  });
});
