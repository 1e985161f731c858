/**
 * The durable store under `--state` (issue "Safe to share"): finding 5 (admin bodies have the API paths'
 * depth/size/field limits, so nothing stored can break serialisation, compaction, replay or SIGTERM),
 * finding 17 (folder 0700, files 0600) and finding 18 (a damaged state file stops start-up with one line
 * naming the file and line and how to recover, no stack trace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { FileStore, StateFileError } from '../../src/state/file-store.js';
import { fixedClock, type SessionDump } from '../../src/state/store.js';
import { freePort } from '../helpers/free-port.js';
import { testMock } from '../helpers/mock.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));
const start = (args: string[]): ChildProcess => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
};
const dir = (): string => mkdtempSync(join(tmpdir(), 'cm-durable-'));
const seed = (): SessionDump => ({ collections: {}, counters: {}, clockOffsetMs: 0 });
const deep = (levels: number, open = '[', close = ']'): string => open.repeat(levels) + '1' + close.repeat(levels);

describe('admin bodies have the API paths limits (finding 5)', () => {
  test.each([
    [
      'a push project whose extra is 20,000 arrays deep',
      `{"wx-push":{"projects":[{"id":1,"url":"http://127.0.0.1:9/x","extra":${deep(20_000)}}]}}`,
      400,
      /nested deeper than 32 levels/,
    ],
    [
      'an object 20,000 levels deep',
      `{"wx-push":{"projects":[{"id":1,"url":"http://127.0.0.1:9/x","extra":${deep(20_000, '{"a":', '}')}}]}}`,
      400,
      /nested deeper than 32 levels/,
    ],
    [
      'a record with 5,000 fields',
      JSON.stringify({
        'wx-push': {
          projects: [
            {
              id: 1,
              url: 'http://127.0.0.1:9/x',
              ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i])),
            },
          ],
        },
      }),
      400,
      /5002 fields, more than 1000/,
    ],
    [
      'a body over --max-body',
      JSON.stringify({
        'wx-push': { projects: [{ id: 1, url: 'http://127.0.0.1:9/x', pad: 'x'.repeat(2 * 1024 * 1024) }] },
      }),
      413,
      /could not be read/,
    ],
  ])(
    '%s: refused with problem+json, nothing changed; the session and the store keep working',
    async (_what, body, status, detail) => {
      const state = dir();
      const m = await testMock({ stateDir: state });
      const res = await request(m.listener)
        .post('/__mock/state')
        .set('X-Mock-Session', 's')
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toMatch(detail);
      expect(
        (await request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Session', 's')).body,
      ).toMatchObject({ success: true, data: [] });
      expect((await request(m.listener).get('/__mock/state').set('X-Mock-Session', 's')).status).toBe(200);
      expect(
        (
          await request(m.listener)
            .post('/wx/push/addPushProject')
            .set('X-Mock-Session', 's')
            .type('form')
            .send({ url: 'http://127.0.0.1:9/y', project: 'p' })
        ).body.success,
      ).toBe(true);
      (m.store as FileStore).compact();
      expect((m.store as FileStore).compactionError).toBeUndefined();
      await m.shutdown(1000);
      const reopened = new FileStore({ dir: state, clock: fixedClock(0), seed });
      expect(Object.keys((await reopened.session('s').dump()).collections['wx-push:projects'] ?? {})).toHaveLength(1);
      reopened.close();
    },
  );

  test('serve --state: after a deep seed is refused, SIGTERM still compacts and exits 0', async () => {
    const state = dir();
    const port = await freePort();
    const child = start(['serve', '--port', String(port), '--state', state]);
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => ((out += b), out.includes('listening') && resolve()));
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out} ${err}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/__mock/state`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"wx-push":{"projects":[{"id":1,"url":"http://127.0.0.1:9/x","extra":${deep(20_000)}}]}}`,
    });
    expect(res.status).toBe(400);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).not.toMatch(/Maximum call stack|RangeError/);
  });
});

describe('private files (finding 17)', () => {
  test('the state folder is 0700 and state.json / state.log 0600, even where the umask would allow more', async () => {
    const state = dir();
    const store = new FileStore({ dir: state, clock: fixedClock(0), seed });
    await store.session('s').put('x:y', 'k', { secret: 'demo-secret' });
    store.close();
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(statSync(join(state, 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(state, 'state.log')).mode & 0o777).toBe(0o600);
  });
});

describe('a damaged state file (finding 18)', () => {
  test.each([
    [
      'state.json cut short',
      'state.json',
      '{"version":1,"sessions":{"s":{"collections":{"x":{"k":"unterminated',
      /state\.json:1: not valid JSON .*Restore .* or start with an empty --state folder/,
    ],
    [
      'state.json on several lines, broken on the third',
      'state.json',
      '{\n"version": 1,\n"sessions": {,\n}}',
      /state\.json:3: not valid JSON/,
    ],
    ['state.json holding null', 'state.json', 'null', /state\.json:1: not a contract-mock snapshot/],
    [
      'state.log with a null line before the last',
      'state.log',
      '{"s":"a","m":{"op":"seq","name":"n","value":1}}\nnull\n{"s":"a","m":{"op":"reset"}}\n',
      /state\.log:2: not a state change .*Move .*state\.log aside/,
    ],
    [
      'state.log with garbage before the last line',
      'state.log',
      '{"s":"a","m":{"op":"reset"}}\n{garbage\n{"s":"a","m":{"op":"reset"}}\n',
      /state\.log:2: not valid JSON, and not the last line/,
    ],
  ])('%s: a StateFileError naming file and line, and how to recover', (_what, file, text, message) => {
    const state = dir();
    writeFileSync(join(state, file), text);
    expect(() => new FileStore({ dir: state, clock: fixedClock(0), seed })).toThrow(StateFileError);
    expect(() => new FileStore({ dir: state, clock: fixedClock(0), seed })).toThrow(message);
  });

  test('serve stops with that one line and exit 2, no stack trace', async () => {
    const state = dir();
    writeFileSync(join(state, 'state.json'), '{"version":1,"sessions":{"s":');
    const child = start(['serve', '--port', String(await freePort()), '--state', state]);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^contract-mock serve: .*state\.json:1: not valid JSON/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
