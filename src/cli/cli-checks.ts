/**
 * What a command line names (URLs, files, folders, ports), checked before a command starts: each mistake is one
 * plain line saying what to change, and exit 2. Never a stack trace. The commands' own logic lives elsewhere.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { dirname, resolve } from 'node:path';

/** Prints `contract-mock COMMAND: MESSAGE` on stderr and exits 2 (a usage mistake, not a failed check). */
export function usageError(command: string, message: string): never {
  console.error(`contract-mock ${command}: ${message}`);
  process.exit(2);
}

/** An http(s) URL, or exit 2 naming the fix (`localhost:4020` parses as the scheme "localhost:"). */
export function httpUrl(command: string, flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    const guess = /^[\w.-]+(:\d+)?(\/.*)?$/.test(value) ? `; write ${flag} http://${value}` : '';
    usageError(command, `${flag} ${value} is not an http:// or https:// URL${guess}`);
  }
  return value;
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** A file to read: it must exist, be a file and be readable. */
export function inputFile(command: string, flag: string, file: string): string {
  if (!existsSync(file)) usageError(command, `${flag} ${file}: no such file`);
  if (statSync(file).isDirectory()) usageError(command, `${flag} ${file} is a folder; give a file`);
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    usageError(command, `${flag} ${file} cannot be read (${code(e)})`);
  }
  return file;
}

/** Where one secret may come from: its flag, an environment variable, a file flag (DESIGN.md: every secret flag has these forms). */
export interface SecretSource {
  flag: string;
  value: string | undefined;
  env: string;
  fileFlag: string;
  file: string | undefined;
}

/**
 * A secret from the command line, else the environment, else a file (its trailing newline trimmed), so it
 * need not show in `ps`; undefined when none is given. An unreadable or empty file is one line and exit 2.
 */
export function secretOption(command: string, source: SecretSource): string | undefined {
  if (source.value !== undefined) return source.value;
  const fromEnv = process.env[source.env];
  if (fromEnv) return fromEnv;
  if (source.file === undefined) return undefined;
  inputFile(command, source.fileFlag, source.file);
  let text: string;
  try {
    text = readFileSync(source.file, 'utf8').replace(/[\r\n]+$/, '');
  } catch (e) {
    usageError(command, `${source.fileFlag} ${source.file} cannot be read (${code(e)})`);
  }
  if (text === '')
    usageError(
      command,
      `${source.fileFlag} ${source.file} is empty; write the ${source.flag.replace(/^--/, '')} in it, or pass ${source.flag}`,
    );
  return text;
}

/** A folder to read: it must exist, be a folder and be readable. */
export function inputDir(command: string, flag: string, dir: string): string {
  if (!existsSync(dir)) usageError(command, `${flag} ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) usageError(command, `${flag} ${dir} is a file; give the folder that holds it`);
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch (e) {
    usageError(command, `${flag} ${dir} cannot be read (${code(e)})`);
  }
  return dir;
}

/** A file or folder to read (lint's paths). */
export function inputPath(command: string, path: string): string {
  if (!existsSync(path)) usageError(command, `${path}: no such file or folder`);
  return statSync(path).isDirectory() ? inputDir(command, 'folder', path) : inputFile(command, 'file', path);
}

/** A file to write: its folder is created when missing; the file must not be a folder and the folder writable. */
export function outputFile(command: string, flag: string, file: string): string {
  const dir = dirname(resolve(file));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    usageError(command, `${flag} ${file}: cannot create the folder ${dir} (${code(e)})`);
  }
  if (!statSync(dir).isDirectory()) usageError(command, `${flag} ${file}: ${dir} is a file, not a folder`);
  if (existsSync(file) && statSync(file).isDirectory())
    usageError(command, `${flag} ${file} is a folder; give a file name`);
  try {
    accessSync(existsSync(file) ? file : dir, constants.W_OK);
  } catch (e) {
    usageError(command, `${flag} ${file} cannot be written (${code(e)})`);
  }
  return file;
}

/** A folder to keep data in: created when missing; must not be a file. */
export function outputDir(command: string, flag: string, dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory()) usageError(command, `${flag} ${dir} is a file; give a folder`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    usageError(command, `${flag} ${dir}: cannot create or write the folder (${code(e)})`);
  }
  return dir;
}

/** Listens, turning the errors a user can fix (port taken, no permission, address not here) into one line and exit 2. */
export function listenOrExplain(
  command: string,
  server: Server,
  port: number,
  host: string,
  onListening: () => void,
): void {
  server.once('error', (e: NodeJS.ErrnoException) => {
    const where = `port ${port} on ${host}`;
    if (e.code === 'EADDRINUSE')
      usageError(
        command,
        `${where} is already in use: stop what holds it, or pick another with --port N (--port 0 picks a free one)`,
      );
    if (e.code === 'EACCES')
      usageError(command, `${where} needs more privileges than this user has: pick a port above 1023 with --port N`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
      usageError(
        command,
        `${host} is not an address of this machine: use --host 127.0.0.1, or one of its own addresses`,
      );
    usageError(command, `cannot listen on ${where} (${e.code ?? e.message})`);
  });
  server.listen(port, host, onListening);
}

/**
 * Exits 2 with one line when nothing answers at `url` (refused, unknown host, timeout); any HTTP answer,
 * even 404, means the server is there. Run before a command that would otherwise fail once per request.
 */
export async function reachable(command: string, flag: string, url: string, timeoutMs: number): Promise<void> {
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
  } catch (e) {
    const cause = (e as Error & { cause?: NodeJS.ErrnoException }).cause;
    const why =
      (e as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (e as Error).message);
    usageError(command, `cannot reach ${flag} ${url} (${why}): is the server running, and is the URL right?`);
  }
}
