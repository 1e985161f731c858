/**
 * serve --redis when Redis answers but refuses (full at maxmemory, a password, a replica, a failed save) or stalls:
 * every call is answered store-unavailable in its API's envelope, the admin API problem+json 503, health 503
 * `store: down` with the reason, one log line per change of state, and the mock recovers by itself. Also: the
 * password in a Redis URL never shown, a rediss:// URL at a plaintext port named as such.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { redactedUrl, redisUrlProblem, refusalOf } from '../../src/state/redis-connection.js';
import { StoreUnavailableError } from '../../src/state/store.js';
import { freePort } from '../helpers/free-port.js';
import { listen } from '../helpers/listen.js';
import { needsService } from '../helpers/needs-service.js';
import { testMock } from '../helpers/mock.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from '../helpers/redis-server.js';

type Json = Record<string, unknown>;
const OPENSSL_BIN = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));
/** The TLS server's certificate is made at run time (no key in the repository). */
const OPENSSL = needsService(
  'redis-refusals.test.ts (redis:// at a TLS port)',
  OPENSSL_BIN !== undefined,
  'openssl is missing (apt-get install openssl)',
);
/** Refusals answer at once; the bound matters only to the stalled Redis and to a machine under load. */
const TIMEOUT_MS = 1500;

let redis: TestRedis;
let admin: Redis;
let prefixes = 0;
const open: Array<{ shutdown(ms?: number): Promise<void> }> = [];

beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  redis = await startRedis();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
}, 30_000);
afterEach(async () => {
  for (const m of open.splice(0)) await m.shutdown(100);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

/** A mock on the test's Redis with its log captured (a prefix of its own). */
async function mockOn(url = redis.url): Promise<{ base: string; log: string[] }> {
  const log: string[] = [];
  const mock = await testMock({
    redis: { url, prefix: `refusals-${++prefixes}`, timeoutMs: TIMEOUT_MS },
    log: (m) => log.push(m),
  });
  open.push(mock);
  return { base: await listen(mock.server), log };
}

async function token(base: string, session: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(`${base}/v1/channel/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': session },
    body: JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

async function health(base: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}/__mock/health`);
  return { status: res.status, body: (await res.json()) as Json };
}

/** Asks health until `ok` holds (a reconnect backs off up to a second); the last answer either way. */
async function healthUntil(
  base: string,
  ok: (h: { status: number; body: Json }) => boolean,
): Promise<{ status: number; body: Json }> {
  let h = await health(base);
  for (let i = 0; i < 50 && !ok(h); i++) {
    await new Promise((r) => setTimeout(r, 100));
    h = await health(base);
  }
  return h;
}

/** While Redis refuses: 12 calls over 4 sessions answered store-unavailable, admin 503, health 503 with the reason, one log line. */
async function expectOutage(base: string, log: string[], reason: RegExp): Promise<void> {
  for (let i = 0; i < 12; i++) {
    const res = await token(base, `s${i % 4}`);
    // platform-sync's own server-error envelope (HTTP 200, as every answer of that API), never a 500.
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mock-limit')).toBe('store-unavailable');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ status: 404, message: expect.stringMatching(reason) });
    expect(res.body['message']).toContain('the call was not served, retry it');
  }
  const clock = await fetch(`${base}/__mock/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mock-session': 'admin' },
    body: '{"advanceSeconds":5}',
  });
  expect(clock.status).toBe(503);
  expect(clock.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(clock.headers.get('x-mock-limit')).toBe('store-unavailable');
  const h = await health(base);
  expect(h.status).toBe(503);
  expect(h.body['store']).toMatchObject({ backend: 'redis', status: 'down', error: expect.stringMatching(reason) });
  // One line for the change of state (or for a start on a refusing Redis), none per call (no stack traces).
  expect(log.filter((l) => /is down|is not ready/.test(l) && reason.test(l))).toHaveLength(1);
  expect(log.find((l) => / failed|\n\s+at /.test(l))).toBeUndefined();
  expect(log.length).toBeLessThanOrEqual(2);
}

/** Redis accepts writes again: health 200 and a call served, with no restart, and one line saying so. */
async function expectRecovery(base: string, log: string[]): Promise<void> {
  const h = await healthUntil(base, (x) => x.status === 200);
  expect(h.body['store']).toMatchObject({ status: 'up' });
  expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
  expect(log.filter((l) => /is up again/.test(l))).toHaveLength(1);
}

describe.skipIf(SKIP_WITHOUT_REDIS)('Redis refusals are outages', () => {
  test('OOM: Redis full at maxmemory (noeviction)', async () => {
    const { base, log } = await mockOn();
    expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    // 1 MB of other data, then maxmemory 512 KB below what Redis holds: full, as a journal that outgrew its sizing.
    for (let i = 0; i < 16; i++) await admin.set(`filler:${i}`, 'x'.repeat(64 * 1024));
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory', String(used - 512 * 1024));
    try {
      await expectOutage(base, log, /OOM command not allowed.*maxmemory/);
    } finally {
      for (let i = 0; i < 16; i++) await admin.del(`filler:${i}`);
      await admin.config('SET', 'maxmemory', '0');
    }
    await expectRecovery(base, log);
  }, 30_000);

  test('READONLY: the URL names a replica', async () => {
    const { base, log } = await mockOn();
    expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
    await admin.replicaof('127.0.0.1', String(await freePort()));
    try {
      await expectOutage(base, log, /READONLY.*replica/);
    } finally {
      await admin.replicaof('NO', 'ONE');
    }
    await expectRecovery(base, log);
  }, 30_000);

  test('MISCONF: Redis cannot save its snapshot', async () => {
    // A Redis of its own, saving into a folder that is then removed (its dir cannot be changed at run time).
    const dir = mkdtempSync(join(tmpdir(), 'refusals-'));
    const saving = await startRedis(['--dir', dir]);
    const direct = new Redis(saving.url, { maxRetriesPerRequest: 1 });
    try {
      const { base, log } = await mockOn(saving.url);
      expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
      rmSync(dir, { recursive: true });
      await direct.config('SET', 'save', '3600 1');
      await direct.config('SET', 'stop-writes-on-bgsave-error', 'yes');
      await direct.bgsave();
      for (let i = 0; i < 50 && !/rdb_last_bgsave_status:err/.test(await direct.info('persistence')); i++)
        await new Promise((r) => setTimeout(r, 50));
      await expectOutage(base, log, /MISCONF/);
      await direct.config('SET', 'save', '');
      await expectRecovery(base, log);
    } finally {
      direct.disconnect();
      for (const m of open.splice(0)) await m.shutdown(100);
      await saving.stop();
    }
  }, 30_000);

  test('NOAUTH when Redis starts asking for a password; WRONGPASS for a wrong one, never shown', async () => {
    const { base, log } = await mockOn();
    expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
    await admin.config('SET', 'requirepass', 'right-pass');
    await admin.auth('right-pass');
    // The mock's connection was authenticated before: dropped, it reconnects without a password.
    await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const wrong = await mockOn(`${redis.url}/0?password=hunter2-wrong`);
    try {
      await healthUntil(base, (h) => /NOAUTH/.test(String((h.body['store'] as Json)?.['error'])));
      await expectOutage(base, log, /NOAUTH/);
      await expectOutage(wrong.base, wrong.log, /WRONGPASS/);
      const h = await health(wrong.base);
      expect((h.body['store'] as Json)['url']).toBe(`${redis.url}/0?password=***`);
      expect(
        JSON.stringify(h.body) + wrong.log.join('\n') + JSON.stringify(await token(wrong.base, 'x')),
      ).not.toContain('hunter2');
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
    await expectRecovery(base, log);
  }, 60_000);

  test('a stalled Redis (SIGSTOP): the outcome is unknown, not "not served"', async () => {
    const { base, log } = await mockOn();
    expect((await token(base, 's1')).body).toMatchObject({ status: 200 });
    redis.pause();
    let res: Awaited<ReturnType<typeof token>>;
    try {
      res = await token(base, 's1');
    } finally {
      redis.resume();
    }
    expect(res.headers.get('x-mock-limit')).toBe('store-unavailable');
    expect(res.body['message']).toMatch(/timed out.*the outcome is unknown/);
    expect(res.body['message']).not.toContain('not served');
    await expectRecovery(base, log);
    expect(log.filter((l) => /is down/.test(l))).toHaveLength(1);
  }, 30_000);

  test('rediss:// at a plaintext port names the TLS mismatch', async () => {
    const { base, log } = await mockOn(redis.url.replace('redis:', 'rediss:'));
    const res = await token(base, 's1');
    expect(res.headers.get('x-mock-limit')).toBe('store-unavailable');
    const h = await healthUntil(base, (x) => /TLS/.test(String((x.body['store'] as Json)?.['error'])));
    expect(h.status).toBe(503);
    expect((h.body['store'] as Json)['error']).toMatch(
      new RegExp(`rediss:// \\(TLS\\) but the server at 127\\.0\\.0\\.1:${redis.port} does not speak TLS`),
    );
    expect(log.filter((l) => /does not speak TLS/.test(l))).toHaveLength(1);
    expect((await token(base, 's2')).body['message']).toMatch(/does not speak TLS/);
  }, 60_000);

  test.skipIf(OPENSSL.skip)(
    'redis:// at a TLS port names the TLS mismatch',
    async () => {
      OPENSSL.assertAvailable();
      const dir = mkdtempSync(join(tmpdir(), 'refusals-tls-'));
      execFileSync(
        OPENSSL_BIN!,
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(dir, 'k.pem'),
          '-out',
          join(dir, 'c.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const tlsPort = await freePort();
      const tls = await startRedis([
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        join(dir, 'c.pem'),
        '--tls-key-file',
        join(dir, 'k.pem'),
        '--tls-ca-cert-file',
        join(dir, 'c.pem'),
        '--tls-auth-clients',
        'no',
      ]);
      try {
        const { base, log } = await mockOn(`redis://127.0.0.1:${tlsPort}`);
        const h = await healthUntil(base, (x) => /TLS/.test(String((x.body['store'] as Json)?.['error'])));
        expect(h.status).toBe(503);
        expect((h.body['store'] as Json)['error']).toBe(
          `the --redis URL says redis:// (plaintext) but the server at 127.0.0.1:${tlsPort} speaks TLS; give rediss://127.0.0.1:${tlsPort}`,
        );
        expect(log.filter((l) => /speaks TLS/.test(l))).toHaveLength(1);
      } finally {
        for (const m of open.splice(0)) await m.shutdown(100);
        await tls.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  test('serve prints the Redis URL without its password', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'bin', 'contract-mock.js'),
        'serve',
        '--port',
        String(port),
        '--redis',
        `redis://user:hunter2-a@127.0.0.1:${redis.port}/0?password=hunter2-b`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => ((out += d), out.includes('listening') && resolve()));
        child.stderr.on('data', (d: Buffer) => (out += d));
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const h = (await (await fetch(`http://127.0.0.1:${port}/__mock/health`)).json()) as Json;
      out += JSON.stringify(h);
    } finally {
      child.kill('SIGKILL');
    }
    expect(out).toContain(`redis://user:***@127.0.0.1:${redis.port}/0?password=***`);
    expect(out).not.toContain('hunter2');
  }, 30_000);
});

describe('Redis URLs and replies, offline', () => {
  test.each([
    ['redis://:pw-secret@h:6379', 'redis://:***@h:6379'],
    ['redis://user:pw-secret@h:6379/2', 'redis://user:***@h:6379/2'],
    ['redis://h:6379?password=pw-secret', 'redis://h:6379?password=***'],
    ['rediss://h:6379/0?family=6&password=pw-secret', 'rediss://h:6379/0?family=6&password=***'],
    ['redis://h:6379', 'redis://h:6379'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactedUrl(url)).toBe(shown);
  });

  test('a URL that does not parse is refused without echoing its password', () => {
    expect(redisUrlProblem('redis://:pw-secret@h:port')).not.toContain('pw-secret');
    expect(redisUrlProblem('redis://h:port?password=pw-secret')).not.toContain('pw-secret');
  });

  test.each([
    ["OOM command not allowed when used memory > 'maxmemory'.", 'OOM'],
    ["OOM command not allowed when used memory > 'maxmemory'. script: 5ecf37f1, on @user_script:1.", 'OOM'],
    ['ERR Error running script (call to f_5ecf37f1): @user_script:1: @user_script: 1: -OOM command not allowed', 'OOM'],
    ['NOAUTH Authentication required.', 'NOAUTH'],
    ['Ready check failed: NOAUTH Authentication required.', 'NOAUTH'],
    ['WRONGPASS invalid username-password pair or user is disabled.', 'WRONGPASS'],
    ["NOPERM this user has no permissions to run the 'evalsha' command", 'NOPERM'],
    ['LOADING Redis is loading the dataset in memory', 'LOADING'],
    ["READONLY You can't write against a read only replica.", 'READONLY'],
    ['MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.', 'MISCONF'],
    ['MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.', 'MASTERDOWN'],
    ['NOREPLICAS Not enough good replicas to write.', 'NOREPLICAS'],
    ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.', 'BUSY'],
  ])('%s is a refusal (%s)', (message, code) => {
    expect(refusalOf(Object.assign(new Error(message), { name: 'ReplyError' }))).toMatchObject({
      code,
      reason: expect.stringContaining(message.slice(0, 20)),
    });
  });

  test('a refused transaction is a refusal by its commands; other replies are not', () => {
    const execAbort = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), {
      previousErrors: [new Error("OOM command not allowed when used memory > 'maxmemory'.")],
    });
    expect(refusalOf(execAbort)).toMatchObject({ code: 'OOM' });
    for (const m of [
      'ERR unknown command',
      'BUSYKEY Target key name already exists.',
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      'ERR Error running script: @user_script:3: Script attempted to access nonexistent global variable',
      'Command timed out',
    ]) {
      expect(refusalOf(new Error(m))).toBeUndefined();
    }
  });

  test('a call whose record fails after its changes were stored says it was applied: do not retry it', async () => {
    const mock = await testMock({
      onCall: () => {
        throw new StoreUnavailableError('the journal refused the record', 'not-applied');
      },
    });
    open.push(mock);
    const res = await token(await listen(mock.server), 'applied');
    expect(res.headers.get('x-mock-limit')).toBe('store-unavailable');
    expect(res.body['message']).toMatch(/the call was applied .* do not retry it$/);
    expect(res.body['message']).not.toContain('retry it once');
    // The token it issued is in the session.
    expect(
      Object.keys((await mock.store.session('applied').dump()).collections['platform-sync:tokens'] ?? {}),
    ).toHaveLength(1);
  });
});
