/**
 * The Redis scripts live in src/state/lua/*.lua: every script the store and the shared journal define is one of those
 * files (with session-expiry.lua first where it follows the session's expiry), read when a client is first given them
 * and never again; the compiled module finds the folder, and the packed package ships it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { RedisJournalStore } from '../../src/journal/redis-journal-store.js';
import { luaDir } from '../../src/state/lua-scripts.js';
import type { RedisConnection } from '../../src/state/redis-connection.js';
import { scripted } from '../../src/state/redis-store.js';

const root = packageRoot();
const dir = join(root, 'src', 'state', 'lua');
const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));
const prelude = readFileSync(join(dir, 'session-expiry.lua'), 'utf8');

/** A client that only records the commands defined on it (as ioredis does, a defined command becomes a method). */
function fakeClient(): Redis & { defined: Array<{ name: string; lua: string; numberOfKeys?: number }> } {
  const defined: Array<{ name: string; lua: string; numberOfKeys?: number }> = [];
  const client = {
    defined,
    defineCommand(name: string, def: { lua: string; numberOfKeys?: number }) {
      defined.push({ name, ...def });
      (client as Record<string, unknown>)[name] = () => Promise.resolve(null);
    },
  };
  return client as unknown as Redis & { defined: typeof defined };
}

/** The file a defined script's text came from (its body, after the prelude when it has one). */
const sourceOf = (lua: string): string | undefined =>
  files.find(
    (f) =>
      f !== 'session-expiry.lua' &&
      [readFileSync(join(dir, f), 'utf8'), prelude + readFileSync(join(dir, f), 'utf8')].includes(lua),
  );

describe('Redis Lua scripts as files', () => {
  test('every script the store and the journal define is a file of src/state/lua, and every file there is used', () => {
    const client = fakeClient();
    scripted(client);
    new RedisJournalStore({ options: { prefix: 'p' }, client } as unknown as RedisConnection, {
      maxPerSession: 1,
      maxTotal: 1,
      ttlMs: 1,
      channel: 'c',
    });
    const used = client.defined.map((d) => [d.name, sourceOf(d.lua)]);
    expect(used.filter(([, file]) => file === undefined)).toEqual([]);
    expect(new Set(used.map(([, file]) => file)).size).toBe(files.length - 1);
    // The scripts that renew or set a session's expiry carry its functions; the others do not.
    const withExpiry = client.defined.filter((d) => d.lua.startsWith(prelude)).map((d) => d.name);
    expect(withExpiry.sort()).toEqual(['cmApply', 'cmJournal', 'cmJournalRecords', 'cmLease', 'cmPut', 'cmTouch']);
    for (const d of client.defined)
      if (!withExpiry.includes(d.name)) expect(d.lua, d.name).not.toMatch(/\b(renew|expire_with)\(/);
  });

  test('scripts are defined once per client: a second store on the same connection reads and defines nothing', () => {
    const client = fakeClient();
    scripted(client);
    const first = client.defined.length;
    scripted(client);
    expect(first).toBeGreaterThan(0);
    expect(client.defined.length).toBe(first);
  });

  test('the compiled module (dist/) finds the scripts in the package', () => {
    const found = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { luaDir } from ${JSON.stringify(join(root, 'dist', 'src', 'state', 'lua-scripts.js'))}; console.log(luaDir());`,
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(found).toBe(dir);
    expect(luaDir()).toBe(dir);
  });

  test('the packed package ships every script', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const shipped = packed!.files.map((f) => f.path).filter((p) => p.endsWith('.lua'));
    expect(shipped.sort()).toEqual(files.map((f) => `src/state/lua/${f}`).sort());
  });
});
