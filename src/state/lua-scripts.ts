/**
 * Redis Lua scripts: the `.lua` files of src/state/lua/, read once when a client is first given them (at start-up,
 * never per call) and defined on it as commands (EVALSHA, the script loaded on first use). Knows nothing of what the
 * scripts do; the stores that run them say that (redis-store.ts, redis-journal-store.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

export interface LuaScript {
  /** A file in src/state/lua/. */
  file: string;
  /** How many of its arguments are keys; without it, the caller gives the count first (the keys a script writes vary). */
  numberOfKeys?: number;
  /** Whether it follows the session's expiry (session-expiry.lua's renew and expire_with, prepended to it). */
  expiry?: boolean;
}

/**
 * Where the scripts are: beside this module when it runs from source (src/state/lua), else in the package's
 * src/state/lua from its compiled copy (dist/src/state/, which tsc fills with .js only; package.json ships the folder).
 */
export function luaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'lua'), join(here, '..', '..', '..', 'src', 'state', 'lua')];
  const found = candidates.find((dir) => existsSync(join(dir, 'session-expiry.lua')));
  if (!found)
    throw new Error(
      `contract-mock: cannot find its Redis scripts (session-expiry.lua and the others) in ${candidates.join(' or ')}; reinstall the package`,
    );
  return found;
}

/** A script's text as Redis runs it (with the session-expiry functions first, when it uses them). */
export function readLua(script: LuaScript, dir = luaDir()): string {
  const text = readFileSync(join(dir, script.file), 'utf8');
  return script.expiry ? readFileSync(join(dir, 'session-expiry.lua'), 'utf8') + text : text;
}

export type Scripted<N extends string> = Redis & { [K in N]: (...args: Array<string | number>) => Promise<unknown> };

/** Defines the scripts on a client once (a client that has them already is given nothing, and no file is read). */
export function defineScripts<N extends string>(client: Redis, scripts: Record<N, LuaScript>): Scripted<N> {
  const missing = (Object.entries(scripts) as Array<[N, LuaScript]>).filter(([name]) => !(name in client));
  if (missing.length) {
    const dir = luaDir();
    for (const [name, s] of missing)
      client.defineCommand(
        name,
        s.numberOfKeys === undefined
          ? { lua: readLua(s, dir) }
          : { numberOfKeys: s.numberOfKeys, lua: readLua(s, dir) },
      );
  }
  return client as Scripted<N>;
}
