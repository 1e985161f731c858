/**
 * serve --state DIR: state, clock, active scenarios and journal survive a restart, a kill -9 mid-load
 * (every acknowledged write is there), and graceful shutdown loses no answered call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { FileStore } from '../../src/state/file-store.js';
import { fixedClock, type SessionDump } from '../../src/state/store.js';
import { freePort } from '../helpers/free-port.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

async function serve(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--state', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => ((out += d), out.includes('listening') && resolve()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return child;
}
/** Resolves when the child has exited; a child killed by a signal has no exit code, so check both (its 'exit' may be past). */
const exit = (child: ChildProcess): Promise<number | null> =>
  new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );

const call = async (
  port: number,
  path: string,
  body: unknown,
  session = 'durable',
  type = 'application/json',
): Promise<Record<string, unknown>> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': type, 'x-mock-session': session },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};

describe('FileStore', () => {
  const seed = (): SessionDump => ({ collections: {}, counters: {}, clockOffsetMs: 0 });

  test('reopening replays the log: records, counters, clock and resets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-state-'));
    const a = new FileStore({ dir, clock: fixedClock(0), seed, compactEvery: 1_000_000 });
    const s = a.session('s');
    await s.put('x:things', 'k', { v: 1 });
    await s.nextSeq('id');
    await s.advanceClock(30);
    await a.session('gone').put('x:things', 'z', 1);
    await a.session('gone').reset();
    // No close(): as if the process had been killed.
    const b = new FileStore({ dir, clock: fixedClock(0), seed });
    expect(await b.session('s').dump()).toEqual({
      collections: { 'x:things': { k: { v: 1 } } },
      counters: { id: 1 },
      clockOffsetMs: 30_000,
    });
    expect((await b.session('gone').dump()).collections).toEqual({});
    expect(b.recovered.replayed).toBeGreaterThanOrEqual(5);
  });

  test('a torn last line (a crash mid-write) is skipped, everything before it kept; compaction keeps state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-state-'));
    const a = new FileStore({ dir, clock: fixedClock(0), seed, compactEvery: 3 });
    for (let i = 0; i < 10; i++) await a.session('s').put('x:n', String(i), i);
    appendFileSync(a.logFile, '{"s":"s","m":{"op":"put","c":"x:n","k":"99"');
    const b = new FileStore({ dir, clock: fixedClock(0), seed });
    expect(b.recovered.tornLine).toBe(true);
    expect(Object.keys((await b.session('s').dump()).collections['x:n']!)).toHaveLength(10);
  });
});

describe('serve --state', () => {
  test('state, clock, active scenarios and journal survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-serve-state-'));
    const port = await freePort();
    let child = await serve(dir, port);
    const token = (
      (await call(port, '/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }))['data'] as {
        access_token: string;
      }
    ).access_token;
    await call(port, '/v1/abutment/syncSaveOrganMetadata', {
      access_token: token,
      organName: '武汉一中',
      organKind: 3,
      provinceName: '湖北省',
      cityName: '武汉市',
      areaName: '武昌区',
      otherId: 1,
    });
    await call(port, '/__mock/clock', { advanceSeconds: 60 });
    await call(port, '/__mock/scenarios/active', { name: 'user-not-found' });
    child.kill('SIGTERM');
    expect(await exit(child)).toBe(0);

    child = await serve(dir, port);
    const state = (await (
      await fetch(`http://127.0.0.1:${port}/__mock/state`, { headers: { 'x-mock-session': 'durable' } })
    ).json()) as { apis: { 'platform-sync': { schools: unknown[] } }; clock: { offsetSeconds: number } };
    expect(state.apis['platform-sync'].schools).toHaveLength(1);
    expect(state.clock.offsetSeconds).toBe(60);
    expect(
      (
        await call(port, '/v1/abutment/syncSaveOrganMetadata', {
          access_token: token,
          organName: '武汉二中',
          organKind: 3,
          provinceName: '湖北省',
          cityName: '武汉市',
          areaName: '武昌区',
          otherId: 2,
        })
      )['status'],
    ).toBe(200);
    expect((await call(port, '/v1/abutment/syncDeleteUserMetadata/5', { access_token: token }))['code']).toBe('40430');
    const scenarios = (await (
      await fetch(`http://127.0.0.1:${port}/__mock/scenarios`, { headers: { 'x-mock-session': 'durable' } })
    ).json()) as { active: Array<{ name: string }> };
    expect(scenarios.active.map((a) => a.name)).toEqual(['user-not-found']);
    const calls = (await (
      await fetch(`http://127.0.0.1:${port}/__mock/calls`, { headers: { 'x-mock-session': 'durable' } })
    ).json()) as unknown[];
    expect(calls).toHaveLength(4);
  }, 60_000);

  test('kill -9 in the middle of a load: every acknowledged write is there after the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-serve-kill-'));
    const port = await freePort();
    const child = await serve(dir, port);
    const acknowledged: number[] = [];
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const id = w * 100_000 + i;
        try {
          const r = await call(
            port,
            '/wx/push/addPushProject',
            `url=http%3A%2F%2F127.0.0.1%3A9%2F${id}&project=p${id}`,
            'kill',
            'application/x-www-form-urlencoded',
          );
          if (r['success'] === true) acknowledged.push(id);
        } catch {
          return;
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise<void>((resolve) => {
      const check = (): void => void (acknowledged.length >= 300 ? resolve() : setTimeout(check, 5));
      check();
    });
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await exit(child);

    const again = await serve(dir, port);
    const list = (await (
      await fetch(`http://127.0.0.1:${port}/wx/push/queryPushProject`, { headers: { 'x-mock-session': 'kill' } })
    ).json()) as { data: Array<{ url: string }> };
    const saved = new Set(list.data.map((p) => Number(p.url.split('/').pop())));
    const lost = acknowledged.filter((id) => !saved.has(id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    expect(lost).toEqual([]);
    again.kill('SIGTERM');
    await exit(again);
  }, 60_000);

  test('graceful shutdown under load: exits 0, and every answered call is in the journal file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-serve-term-'));
    const port = await freePort();
    const child = await serve(dir, port);
    const answered: string[] = [];
    let stop = false;
    const loader = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await call(
            port,
            '/wx/push/addPushProject',
            `url=http%3A%2F%2F127.0.0.1%3A9%2F${w}-${i}&project=p`,
            'term',
            'application/x-www-form-urlencoded',
          );
          if (r['success'] === true) answered.push(`http://127.0.0.1:9/${w}-${i}`);
        } catch {
          return;
        }
      }
    };
    const loaders = Array.from({ length: 8 }, (_, w) => loader(w));
    await new Promise<void>((resolve) => {
      const check = (): void => void (answered.length >= 200 ? resolve() : setTimeout(check, 5));
      check();
    });
    child.kill('SIGTERM');
    const code = await exit(child);
    stop = true;
    await Promise.all(loaders);
    expect(code).toBe(0);
    const journaled = new Set(
      readFileSync(join(dir, 'journal.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { response: { body: { data?: { url?: string } } } })
        .map((r) => r.response.body.data?.url),
    );
    expect(answered.filter((u) => !journaled.has(u))).toEqual([]);
  }, 60_000);
});
