/**
 * `contract-mock.config.{json,yaml}` in the working directory, or `--config FILE`, for `serve` and `run`: the flags'
 * names (kebab or camel), command line over environment over file, and each mistake one line FILE:LINE with exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const root = mkdtempSync(join(tmpdir(), 'cm-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh folder holding FILES (name → text). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'p-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Env without the variables the file competes with, plus `extra`. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const { PORT: _p, CONTRACT_MOCK_ADMIN_TOKEN: _t, REDIS_URL: _r, ...rest } = process.env;
  return { ...rest, ...extra };
};

/** `serve ARGS` in DIR until its "listening on" line; answers that URL (the process is then stopped). */
function serveUrl(dir: string, args: string[], extra: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    cwd: dir,
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out);
      if (url) {
        child.kill('SIGKILL');
        resolve(url[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** `run ARGS -- node -e SCRIPT` in DIR, synchronously (its mock lives only while the script runs). */
function runIn(dir: string, args: string[], script: string, extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, 'run', ...args, '--', process.execPath, '-e', script], {
    cwd: dir,
    env: env(extra),
    encoding: 'utf8',
    timeout: 30_000,
  });
}
const PRINT_ACTIVE = `fetch(process.env.CONTRACT_MOCK_URL + '/__mock/scenarios').then((r) => r.json()).then((j) => console.log('active: ' + j.active.map((a) => a.name).join(',')))`;

describe('a config file', () => {
  test('contract-mock.config.yaml in the working directory: kebab names, a repeatable flag as a list, a switch', () => {
    const dir = project({
      'contract-mock.config.yaml': 'scenario:\n  - token-expired\n  - server-error\nallow-empty: true\n',
    });
    const r = runIn(dir, [], PRINT_ACTIVE);
    expect(r.stdout).toContain('active: token-expired,server-error');
    expect(r.status).toBe(0);
  });

  test('--config FILE in JSON with camel names; relative paths are relative to the file', () => {
    const dir = project({});
    mkdirSync(join(dir, 'conf', 'mine'), { recursive: true });
    writeFileSync(
      join(dir, 'conf', 'mine', 'my-outage.yaml'),
      'name: my-outage\ndescription: every call fails\nrules:\n  - when: {}\n    then: { httpError: 503 }\n',
    );
    writeFileSync(
      join(dir, 'conf', 'mock.json'),
      JSON.stringify({ scenarios: ['mine'], scenario: 'my-outage', allowEmpty: true }, null, 2),
    );
    const r = runIn(dir, ['--config', 'conf/mock.json'], PRINT_ACTIVE);
    expect(r.stdout).toContain('active: my-outage');
    expect(r.status).toBe(0);
  });

  test('the command line beats the environment, which beats the file', async () => {
    const [fromFile, fromEnv, fromFlag] = [await freePort(), await freePort(), await freePort()];
    const dir = project({ 'contract-mock.config.json': `{ "port": ${fromFile} }\n` });
    expect(await serveUrl(dir, [])).toBe(`http://127.0.0.1:${fromFile}`);
    expect(await serveUrl(dir, [], { PORT: String(fromEnv) })).toBe(`http://127.0.0.1:${fromEnv}`);
    expect(await serveUrl(dir, ['--port', String(fromFlag)], { PORT: String(fromEnv) })).toBe(
      `http://127.0.0.1:${fromFlag}`,
    );
  });

  test("run reads no PORT (its port is 0 unless given), so the file's port holds under a PORT of the CI system", async () => {
    const [fromFile, fromEnv] = [await freePort(), await freePort()];
    const dir = project({ 'contract-mock.config.yaml': `port: ${fromFile}\nallow-empty: true\n` });
    const r = runIn(dir, [], 'console.log("url " + process.env.CONTRACT_MOCK_URL)', { PORT: String(fromEnv) });
    expect(r.stdout).toContain(`url http://127.0.0.1:${fromFile}`);
    expect(r.status).toBe(0);
  });

  test.each([
    [
      'an unknown key, with the closest name',
      'contract-mock.config.yaml',
      'port: 0\nmax-bodyy: 10\n',
      ['contract-mock.config.yaml:2: unknown key "max-bodyy" for serve (did you mean "max-body"?)'],
    ],
    [
      'every mistyped value, one line each',
      'contract-mock.config.yaml',
      'seed: [1, 2]\nscenario: { name: x }\nhost: 127.0.0.1\n',
      [
        'contract-mock.config.yaml:1: seed: must be a single value (it is not repeatable), like --seed on the command line',
        'contract-mock.config.yaml:2: scenario: must be a value or a list of values (it is repeatable)',
      ],
    ],
    [
      'a name given twice, camel and kebab',
      'contract-mock.config.json',
      '{\n  "maxBody": 10,\n  "max-body": 20\n}\n',
      ['contract-mock.config.json:3: "max-body" is given twice (also as "maxBody")'],
    ],
    [
      'broken YAML, with no dangling colon',
      'contract-mock.config.yaml',
      'port: 0\nscenario: [a,\n',
      ['contract-mock.config.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ],
    [
      'a list where options belong',
      'contract-mock.config.yaml',
      '- port: 0\n',
      ['contract-mock.config.yaml:1: the file must hold option names and values (like port: 4010), not a list'],
    ],
  ])('%s: exit 2', (_what, name, text, lines) => {
    const dir = project({ [name]: text });
    const r = spawnSync(process.execPath, [bin, 'serve'], { cwd: dir, env: env(), encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    const got = r.stderr.trim().split('\n');
    expect(got).toHaveLength(lines.length);
    expect(got.filter((l) => l.endsWith(':'))).toEqual([]);
    lines.forEach((line, i) => expect(got[i]).toContain(`contract-mock serve: ${line}`));
  });

  test('a config file and another one beside it, or --config naming no file: exit 2', () => {
    const both = spawnSync(process.execPath, [bin, 'serve'], {
      cwd: project({ 'contract-mock.config.json': '{}', 'contract-mock.config.yaml': '' }),
      env: env(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(both.status).toBe(2);
    expect(both.stderr.trim()).toBe(
      'contract-mock serve: contract-mock.config.json and contract-mock.config.yaml are both in this folder: keep one (or pick with --config FILE)',
    );
    const missing = spawnSync(process.execPath, [bin, 'serve', '--config', 'nope.yaml'], {
      cwd: project({}),
      env: env(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('contract-mock serve: --config nope.yaml: no such file');
  });
});
