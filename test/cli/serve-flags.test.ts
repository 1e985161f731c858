/**
 * `contract-mock serve` flags through the real binary, as a CI job starts it: the limits (--max-body,
 * --max-depth, --max-fields, --max-header-size, --max-sessions, --max-records, --journal-per-session, --max-held, --max-hold),
 * --journal, --seed and --scenario. In-process tests cover each behaviour; these prove the flags reach it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

async function serve(args: string[]): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => void ((out += d), out.includes('listening on') && resolve()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return `http://127.0.0.1:${port}`;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(
  base: string,
  path: string,
  init: { session?: string; json?: unknown; text?: string; form?: string; method?: string } = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const body = init.text ?? init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json));
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: {
      'x-mock-session': init.session ?? 'flags',
      ...(body !== undefined && {
        'content-type': init.form !== undefined ? 'application/x-www-form-urlencoded' : 'application/json',
      }),
    },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}
const violations = async (base: string, session: string) =>
  ((await call(base, '/__mock/calls', { session })).body as Json[]).flatMap(
    (c) => c['violations'] as Array<{ rule: string; message: string }>,
  );

const dir = mkdtempSync(join(tmpdir(), 'cm-serve-flags-'));
const journalFile = join(dir, 'calls.ndjson');
let limited: string;
beforeAll(async () => {
  limited = await serve([
    '--max-body',
    '300',
    '--max-depth',
    '3',
    '--max-fields',
    '5',
    '--max-header-size',
    '2048',
    '--max-records',
    '10',
    '--journal-per-session',
    '3',
    '--journal',
    journalFile,
    '--scenario',
    'user-not-found',
  ]);
}, 60_000);

describe('serve limit flags', () => {
  test('--max-body: a larger body gets the parameter error, journaled with the limit', async () => {
    const res = await call(limited, '/v1/channel/token', {
      session: 'body',
      text: JSON.stringify({ appid: 'demo-app', secret: 'x'.repeat(400) }),
    });
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect((await violations(limited, 'body')).map((v) => v.message)).toContainEqual(
      expect.stringContaining('over the 300-byte limit'),
    );
    expect(
      (
        await call(limited, '/v1/channel/token', {
          session: 'body',
          json: { appid: 'demo-app', secret: 'demo-secret' },
        })
      ).body.status,
    ).toBe(200);
  });

  test('--max-depth and --max-fields', async () => {
    const deep = await call(limited, '/v1/channel/token', {
      session: 'depth',
      json: { appid: 'demo-app', secret: { a: { b: { c: { d: 1 } } } } },
    });
    expect(deep.body.status).toBe(402);
    expect((await violations(limited, 'depth')).map((v) => v.message)).toContain('nesting deeper than 3 levels');
    const fields = await call(limited, '/datasyn/user/login', {
      session: 'fields',
      form: 'loginName=a&password=b&synDevice=c&x1=1&x2=2&x3=3',
    });
    expect(fields.body.meta.status).toBe(2001);
    expect((await violations(limited, 'fields')).map((v) => v.message)).toContain('more than 5 fields');
  });

  test('--max-header-size: a larger header block is refused with HTTP 431 and the envelope', async () => {
    const answer = await new Promise<{ status: number; text: string; violations: string }>((resolve, reject) => {
      const req = httpRequest(
        `${limited}/v1/channel/token`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-filler': 'x'.repeat(3000) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text, violations: String(res.headers['x-mock-violations']) }),
          );
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.text)).toEqual({ status: 402, message: '参数错误' });
    expect(answer.violations).toContain('over the 2048-byte limit');
  });

  test('--max-records: a session at 10 records refuses a new one, in the API envelope', async () => {
    const add = (i: number) =>
      call(limited, '/wx/push/addPushProject', {
        session: 'records',
        form: `url=http%3A%2F%2F127.0.0.1%3A9%2F${i}&project=p${i}`,
      });
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await add(i));
    const saved = answers.filter((a) => a.body.success).length;
    // The seed state holds a few records (the demo app, token, org); push projects fill the rest.
    expect(saved).toBeGreaterThan(3);
    expect(answers.slice(0, saved).every((a) => a.body.success)).toBe(true);
    const refused = answers[saved]!;
    expect(refused.headers.get('x-mock-limit')).toBe('max-records');
    expect(refused.body.message).toContain('maximum of 10 records');
  });

  test('--max-state-bytes and --max-response: a session past its bytes and an answer past its size are refused in the API envelope', async () => {
    const budget = await serve(['--max-state-bytes', '4000', '--max-store-bytes', '1000000', '--max-response', '1500']);
    const add = (i: number) =>
      call(budget, '/wx/push/addPushProject', {
        session: 'bytes',
        form: `url=http%3A%2F%2F127.0.0.1%3A9%2F${'a'.repeat(1000)}&project=p${i}`,
      });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await add(i));
    const saved = answers.filter((a) => a.body.success).length;
    expect(saved).toBeGreaterThan(1);
    expect(answers[saved]!.headers.get('x-mock-limit')).toBe('max-state-bytes');
    expect(answers[saved]!.body.message).toContain('budget of 4000 bytes');
    const listed = await call(budget, '/wx/push/queryPushProject', { session: 'bytes' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-mock-limit')).toBe('max-response');
    expect(listed.body.message).toContain('over the response limit of 1500 bytes');
  });

  test('--max-sessions: beyond 2 busy sessions a new one is still served; one is evicted and counted in health', async () => {
    const capped = await serve(['--max-sessions', '2']);
    const seen = [];
    for (const s of ['a', 'b', 'c'])
      seen.push((await call(capped, '/wx/push/queryPushProject', { session: s })).headers.get('x-mock-limit'));
    expect(seen).toEqual([null, null, null]);
    expect(((await call(capped, '/__mock/health')).body as Json)['sessions']).toMatchObject({
      held: 2,
      max: 2,
      evicted: 1,
    });
  }, 60_000);

  test('--max-held 1, --max-hold: a second held answer is refused at once; the first is closed unanswered after the bound', async () => {
    // A bound long enough that the first call is still held when the second arrives on a loaded machine.
    const base = await serve(['--max-held', '1', '--max-hold', '5000']);
    const held = fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-scenario': 'request-timeout', 'x-mock-session': 'held' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    }).then(
      (res) => `answered ${res.status}`,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
    );
    // The held call is journaled before its connection is held.
    while (((await call(base, '/__mock/calls', { session: 'held' })).body as Json[]).length === 0)
      await new Promise((resolve) => setImmediate(resolve));
    const refused = await fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-scenario': 'request-timeout' },
      body: '{"appid":"demo-app","secret":"demo-secret"}',
    });
    expect(refused.headers.get('x-mock-limit')).toBe('max-held');
    expect(((await refused.json()) as Json)['status']).toBe(404);
    expect((await call(base, '/__mock/health')).status).toBe(200);
    expect(await held).not.toMatch(/^answered/);
  }, 60_000);
});

describe('serve --journal, --journal-per-session, --scenario, --seed', () => {
  test('--journal appends every call as NDJSON; --journal-per-session keeps only the newest 3 in memory', async () => {
    for (let i = 0; i < 5; i++)
      await call(limited, '/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token', {
        session: 'journal',
      });
    expect(((await call(limited, '/__mock/calls', { session: 'journal' })).body as Json[]).length).toBe(3);
    const lines = readFileSync(journalFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json)
      .filter((r) => r['session'] === 'journal');
    expect(lines.map((r) => r['operationId'])).toEqual([
      'getOrgInfo',
      'getOrgInfo',
      'getOrgInfo',
      'getOrgInfo',
      'getOrgInfo',
    ]);
  });

  test('--scenario is active in every session from the start', async () => {
    const token = (
      await call(limited, '/v1/channel/token', {
        session: 'scenario',
        json: { appid: 'demo-app', secret: 'demo-secret' },
      })
    ).body.data.access_token as string;
    const del = await call(limited, '/v1/abutment/syncDeleteUserMetadata/1', {
      session: 'scenario',
      json: { access_token: token },
    });
    expect(del.body).toMatchObject({ code: '40430' });
    const active = (await call(limited, '/__mock/scenarios', { session: 'scenario' })).body.active as Json[];
    expect(active.map((a) => a['name'])).toEqual(['user-not-found']);
  });

  test('--seed: the same seed issues the same generated tokens, another seed others', async () => {
    const [a, b, c] = await Promise.all([serve(['--seed', '7']), serve(['--seed', '7']), serve(['--seed', '8'])]);
    const token = async (base: string) =>
      (await call(base, '/v1/channel/token', { json: { appid: 'demo-app', secret: 'demo-secret' } })).body.data
        .access_token as string;
    const [ta, tb, tc] = [await token(a), await token(b), await token(c)];
    expect(ta).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(tb).toBe(ta);
    expect(tc).not.toBe(ta);
  }, 60_000);
});
