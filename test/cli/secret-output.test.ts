/**
 * Files CI keeps hold no credentials: `verify --json/--junit` and `report --json/--junit` through the real binary
 * are written 0600 and masked (the journal's rule, plus the secret and token given and every token issued), unless
 * --keep-secrets, which warns. Every secret flag also comes from the environment or a file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';
import { serveProcess } from '../helpers/serve-process.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const dir = mkdtempSync(join(tmpdir(), 'cm-secret-output-'));
let mock: Awaited<ReturnType<typeof testMock>>;
let url: string;
let tokenMock: Awaited<ReturnType<typeof testMock>>;
let tokenUrl: string;
const ADMIN = 'admin-token-for-secret-output';

beforeAll(async () => {
  mock = await testMock();
  url = await listen(mock.server);
  tokenMock = await testMock({ adminToken: ADMIN });
  tokenUrl = await listen(tokenMock.server);
});
afterAll(() => {
  mock.server.close();
  tokenMock.server.close();
});

/** Runs the binary (asynchronously, so the in-process mock can answer it). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

/** The tokens the mock issued to a verify run's session (platform-sync access tokens, the ios-datasyn login token). */
async function issuedTokens(stdout: string): Promise<string[]> {
  const session = /session "([^"]+)"/.exec(stdout)![1]!;
  const state = (await (await fetch(`${url}/__mock/state`, { headers: { 'x-mock-session': session } })).json()) as {
    apis: Record<string, Record<string, Array<Record<string, unknown>>>>;
  };
  const tokens = [
    ...(state.apis['platform-sync']!['tokens'] ?? []),
    ...(state.apis['ios-datasyn']!['tokens'] ?? []),
  ].map((t) => String(t['token'] ?? t['access_token']));
  return tokens.filter((t) => t !== 'undefined');
}

describe('verify --json/--junit', () => {
  test('are 0600 and hold neither the secret, the token given, nor a token issued; the summary neither', async () => {
    const json = join(dir, 'v.json');
    const xml = join(dir, 'v.xml');
    writeFileSync(json, 'old'); // an existing world-readable file becomes 0600 too
    const run = await cli([
      'verify',
      '--target',
      url,
      '--api',
      'platform-sync',
      '--api',
      'wuhan-eduyun',
      '--api',
      'ios-datasyn',
      '--generated',
      '0',
      '--secret',
      'demo-secret',
      '--wuhan-token',
      'demo-token',
      '--json',
      json,
      '--junit',
      xml,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const issued = await issuedTokens(run.stdout);
    expect(issued.length).toBeGreaterThan(0);
    for (const file of [json, xml]) {
      expect(mode(file), file).toBe('600');
      const text = readFileSync(file, 'utf8');
      for (const secret of ['demo-secret', 'demo-token', 'verify-pw', ...issued])
        expect(text.includes(secret), `${file} holds ${secret}`).toBe(false);
    }
    expect(readFileSync(json, 'utf8')).toContain('***');
    for (const secret of ['demo-secret', 'demo-token', ...issued])
      expect(run.stdout.includes(secret), `stdout holds ${secret}`).toBe(false);
  }, 60_000);

  test('--keep-secrets keeps them, warns on stderr, and still writes 0600', async () => {
    const json = join(dir, 'kept.json');
    const run = await cli([
      'verify',
      '--target',
      url,
      '--api',
      'platform-sync',
      '--generated',
      '0',
      '--secret',
      'demo-secret',
      '--json',
      json,
      '--keep-secrets',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /contract-mock verify: warning: --keep-secrets: secrets and tokens are in clear in the summary and in .*kept\.json/,
    );
    expect(mode(json)).toBe('600');
    expect(readFileSync(json, 'utf8')).toContain('demo-secret');
  }, 60_000);

  test('the secret and token from the environment or from a file (trailing newline trimmed); the flag wins over both', async () => {
    const secretFile = join(dir, 'secret.txt');
    const tokenFile = join(dir, 'token.txt');
    writeFileSync(secretFile, 'file-secret\n');
    writeFileSync(tokenFile, 'file-token\r\n');
    const sent = async (
      args: string[],
      env: Record<string, string> = {},
    ): Promise<{ secret: string; token: string }> => {
      const json = join(dir, `from-${Math.random().toString(36).slice(2)}.json`);
      await cli(
        [
          'verify',
          '--target',
          url,
          '--api',
          'platform-sync',
          '--api',
          'wuhan-eduyun',
          '--generated',
          '0',
          '--keep-secrets',
          '--json',
          json,
          ...args,
        ],
        env,
      );
      const checks = (
        JSON.parse(readFileSync(json, 'utf8')) as {
          checks: Array<{ operationId: string; name: string; request: { body?: string; url: string } }>;
        }
      ).checks;
      const token = checks.find((c) => c.name.endsWith('flow: get a token'))!;
      const org = checks.find((c) => c.name.endsWith('flow: org info'))!;
      return {
        secret: (JSON.parse(token.request.body!) as { secret: string }).secret,
        token: new URL(org.request.url).searchParams.get('access_token')!,
      };
    };
    expect(await sent(['--secret-file', secretFile, '--wuhan-token-file', tokenFile])).toEqual({
      secret: 'file-secret',
      token: 'file-token',
    });
    expect(
      await sent(['--secret-file', secretFile], {
        CONTRACT_MOCK_SECRET: 'env-secret',
        CONTRACT_MOCK_WUHAN_TOKEN: 'env-token',
      }),
    ).toEqual({ secret: 'env-secret', token: 'env-token' });
    expect(await sent(['--secret', 'flag-secret'], { CONTRACT_MOCK_SECRET: 'env-secret' })).toMatchObject({
      secret: 'flag-secret',
    });
  }, 90_000);

  test('an empty or missing secret file is one plain line and exit 2', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n');
    for (const [file, says] of [
      [empty, 'is empty'],
      [join(dir, 'none.txt'), 'no such file'],
    ] as const) {
      const run = await cli(['verify', '--target', url, '--secret-file', file]);
      expect(run.status).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`contract-mock verify: --secret-file ${file}`);
      expect(lines[0]).toContain(says);
    }
  });
});

describe('report --json/--junit', () => {
  const post = (base: string, session: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/channel/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': session, ...headers },
      body,
    });

  test('are 0600 and masked, a secret in a violation message included; --keep-secrets warns', async () => {
    await post(url, 'leaky', '{"appid":"demo-app","secret":"demo-secret"}');
    await post(url, 'leaky', '{"appid":"demo-app","secret":Hunter2Secret}');
    const json = join(dir, 'r.json');
    const xml = join(dir, 'r.xml');
    const run = await cli(['report', '--url', url, '--session', 'leaky', '--json', json, '--junit', xml]);
    expect(run.status).toBe(1);
    for (const file of [json, xml]) {
      expect(mode(file), file).toBe('600');
      const text = readFileSync(file, 'utf8');
      for (const secret of ['demo-secret', 'Hunter2Sec'])
        expect(text.includes(secret), `${file} holds ${secret}`).toBe(false);
    }
    expect(run.stdout).not.toContain('Hunter2Sec');
    const kept = await cli(['report', '--url', url, '--session', 'leaky', '--json', json, '--keep-secrets']);
    expect(kept.stderr).toMatch(
      /contract-mock report: warning: --keep-secrets: secrets are not masked in the table nor in .*r\.json/,
    );
    expect(mode(json)).toBe('600');
  });

  test('the admin token from a file or the environment', async () => {
    await post(tokenUrl, 'guarded', '{"appid":"demo-app","secret":"demo-secret"}');
    const tokenFile = join(dir, 'admin.txt');
    writeFileSync(tokenFile, `${ADMIN}\n`);
    const fromFile = await cli(['report', '--url', tokenUrl, '--session', 'guarded', '--admin-token-file', tokenFile]);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.status).toBe(0);
    const fromEnv = await cli(['report', '--url', tokenUrl, '--session', 'guarded'], {
      CONTRACT_MOCK_ADMIN_TOKEN: ADMIN,
    });
    expect(fromEnv.status).toBe(0);
    const without = await cli(['report', '--url', tokenUrl, '--session', 'guarded']);
    expect(without.status).toBe(2);
  });
});

describe('serve --admin-token-file', () => {
  test('the token comes from the file (not the command line), and the admin API wants it', async () => {
    const tokenFile = join(dir, 'serve-admin.txt');
    writeFileSync(tokenFile, 'serve-token-from-file\n');
    const serve = await serveProcess(['--admin-token-file', tokenFile]);
    try {
      expect(serve.child.spawnargs.join(' ')).not.toContain('serve-token-from-file');
      expect((await fetch(`${serve.url}/__mock/calls`)).status).toBe(401);
      expect(
        (await fetch(`${serve.url}/__mock/calls`, { headers: { authorization: 'Bearer serve-token-from-file' } }))
          .status,
      ).toBe(200);
    } finally {
      await serve.stop();
    }
  });
});
