/**
 * The public entry's `startMock` / `createMock`, as a test runner's setup calls them: listening when the promise
 * resolves, with `url` and `close()`; no argument is the built-in contract; a bad argument from JavaScript is a
 * TypeError naming the option.
 */
import { createServer, type Server } from 'node:net';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { createMock, startMock } from '../../src/index.js';
import { packagesLoadedBy } from '../helpers/loaded-packages.js';

const quiet = { log: () => {} };
const token = (url: string) =>
  fetch(`${url}/v1/channel/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"appid":"demo-app","secret":"demo-secret"}',
  });

describe('startMock', () => {
  test('resolves once it listens, with url and close(); close() stops it', async () => {
    const mock = await startMock({ port: 0, ...quiet });
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(((await (await token(mock.url)).json()) as { status: number }).status).toBe(200);
    expect((await fetch(`${mock.url}/__mock/health`)).status).toBe(200);
    expect((await mock.journal.query('default')).map((c) => c.operationId)).toEqual(['channelToken']);
    await mock.close();
    await expect(fetch(`${mock.url}/__mock/health`)).rejects.toThrow();
  });

  test('with no argument: the built-in contract on a free port of 127.0.0.1', async () => {
    const mock = await startMock();
    try {
      expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect([...mock.contract.apis.keys()].sort()).toEqual([
        'ios-datasyn',
        'platform-sync',
        'wuhan-eduyun',
        'wx-push',
      ]);
    } finally {
      await mock.close();
    }
  });

  test('a port already in use rejects, saying which, and leaves nothing running', async () => {
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      await expect(startMock({ port, ...quiet })).rejects.toThrow(
        `startMock: port ${port} on 127.0.0.1 is already in use (pass port: 0 for a free one)`,
      );
    } finally {
      holder.close();
    }
  });
});

describe('createMock', () => {
  test('with no argument: the built-in contract, not listening, usable through its listener', async () => {
    const mock = await createMock();
    try {
      expect(mock.server.listening).toBe(false);
      const res = await request(mock.listener)
        .post('/v1/channel/token')
        .send({ appid: 'demo-app', secret: 'demo-secret' });
      expect(res.body.status).toBe(200);
    } finally {
      await mock.shutdown();
    }
  });
});

describe('a bad argument from JavaScript is a TypeError naming the option', () => {
  test.each([
    [
      'startMock',
      { port: 'abc' },
      'startMock: port must be a whole number from 0 to 65535 (0 picks a free port), got "abc"',
    ],
    [
      'startMock',
      { port: 70000 },
      'startMock: port must be a whole number from 0 to 65535 (0 picks a free port), got 70000',
    ],
    ['startMock', { prot: 0 }, 'startMock: unknown option "prot" (did you mean "port"?); the options are port, host,'],
    ['startMock', 'http://127.0.0.1:4010', 'startMock: options must be an object, got "http://127.0.0.1:4010"'],
    ['startMock', { seed: '42' }, 'startMock: seed must be a finite number, got "42"'],
    [
      'startMock',
      { specFiles: 'petstore.yaml' },
      'startMock: specFiles must be an array of strings, got "petstore.yaml"',
    ],
    ['startMock', { httpStatus: 'always' }, 'startMock: httpStatus must be "documented" or "mapped", got "always"'],
    [
      'startMock',
      { limits: { maxBody: 10 } },
      'startMock: limits.maxBody is not a limit; the limits are maxBodyBytes,',
    ],
    ['startMock', { limits: { maxBodyBytes: -1 } }, 'startMock: limits.maxBodyBytes must be a number above 0, got -1'],
    ['startMock', { host: '0.0.0.0' }, 'startMock: host 0.0.0.0 is off loopback: pass adminToken too'],
    ['createMock', { port: 0 }, 'createMock: unknown option "port"; the options are contract,'],
    ['createMock', null, 'createMock: options must be an object, got null'],
  ])('%s(%j)', async (fn, options, message) => {
    const call = fn === 'startMock' ? () => startMock(options as never) : () => createMock(options as never);
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(message);
  });
});

test("importing the package loads neither express, ioredis nor the YAML reader: a test file's import stays light", () => {
  // What a test runner's worker pays before its first startMock(): the admin app, Redis and YAML load when used.
  const loaded = packagesLoadedBy(
    "const m = await import('./dist/src/index.js'); return { startMock: typeof m.startMock };",
    ['express', 'ioredis', 'yaml'],
  );
  expect(loaded.stderr).toBe('');
  expect(loaded.result).toEqual({ startMock: 'function' });
  expect(loaded.packages).toEqual({ express: false, ioredis: false, yaml: false });
});
