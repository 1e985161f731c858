/**
 * Finding 12 of "Safe to share" (the guards; masking is tested with the journal): `proxy` has the admin API
 * guards of `serve`: --admin-token, no non-loopback --host without it, admin CORS and the Host check.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { serveProcess, type ServeProcess } from '../helpers/serve-process.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const started: ServeProcess[] = [];
afterAll(() => Promise.all(started.map((p) => p.stop())));

describe('proxy guards', () => {
  test('refuses a non-loopback --host without --admin-token, saying how to fix it', () => {
    const run = spawnSync(
      process.execPath,
      [bin, 'proxy', '--target', 'http://127.0.0.1:9', '--host', '0.0.0.0', '--port', '0'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('refusing to bind 0.0.0.0 without --admin-token');
    expect(run.stderr).toContain('Fix:');
  });

  test('with --admin-token its admin API wants the token; malformed credentials are a 401; other origins and hosts are refused', async () => {
    const proxy = await serveProcess(['--target', 'http://127.0.0.1:9', '--admin-token', 'T'], {
      command: 'proxy',
      host: '127.0.0.2',
    });
    started.push(proxy);
    expect((await fetch(`${proxy.url}/__mock/calls`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/__mock/calls`, { headers: { cookie: 'contract_mock_admin=%' } })).status).toBe(
      401,
    );
    const ok = await fetch(`${proxy.url}/__mock/calls`, {
      headers: { authorization: 'Bearer T', origin: 'http://evil.example' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    const write = await fetch(`${proxy.url}/__mock/calls`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer T', origin: 'http://evil.example' },
    });
    expect(write.status).toBe(403);
    expect(proxy.alive()).toBe(true);
  });
});

describe('help', () => {
  test.each(['serve', 'proxy'])('%s --help lists the admin guard flags', (command) => {
    const run = spawnSync(process.execPath, [bin, command, '--help'], { encoding: 'utf8', timeout: 20_000 });
    for (const flag of ['--admin-token', '--cors-origin', '--allow-host']) expect(run.stdout).toContain(flag);
  });
});
