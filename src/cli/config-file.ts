/**
 * `contract-mock.config.{json,yaml,yml}` in the working directory, or `--config FILE`: option values for `serve` and
 * `run` under the flags' own names (kebab `max-body` or camel `maxBody`). The command line beats the environment,
 * which beats the file. A mistake is one line `FILE:LINE: ...` per problem and exit 2. What an option means is the
 * command's; this module only fills in values the command line and the environment left unset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import type { Node } from 'yaml';
import { editDistance } from '../server/check-mock-options.js';
import { inputFile, usageError } from './cli-checks.js';

/** The YAML reader, loaded only when there is a config file to read (most starts have none). */
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export const CONFIG_FILES = ['contract-mock.config.json', 'contract-mock.config.yaml', 'contract-mock.config.yml'];

/** Options whose environment variable beats the file (the command line beats both); a command adds its own (serve: PORT). */
const ENV_OF: Record<string, string> = { adminToken: 'CONTRACT_MOCK_ADMIN_TOKEN', redis: 'REDIS_URL' };
/** Options naming files or folders: a relative path in the file is relative to the file's folder. */
const PATHS = new Set(['scenarios', 'spec', 'handlers', 'state', 'journal', 'adminTokenFile', 'junit', 'json']);

/** The config file to read: `--config FILE` (which must exist), else the one in the working directory, else none. */
function findConfig(command: string, given: string | undefined): string | undefined {
  if (given !== undefined) return inputFile(command, '--config', given);
  const found = CONFIG_FILES.filter((f) => existsSync(f));
  if (found.length > 1)
    usageError(command, `${found.join(' and ')} are both in this folder: keep one (or pick with --config FILE)`);
  return found[0];
}

/** A YAML error's first line without its "at line L, column C:" tail (the line is said in front). */
const yamlText = (message: string): string =>
  message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/:$/, '');

/**
 * Reads the config file (if any) into `cmd`'s option values, for each option the command line and its environment
 * variable left unset; exits 2 listing every unknown key, mistyped value and syntax error with FILE:LINE.
 */
export function applyConfigFile(command: string, cmd: Command, envOf: Record<string, string> = {}): void {
  const file = findConfig(command, cmd.getOptionValue('config') as string | undefined);
  if (!file) return;
  const text = readFileSync(file, 'utf8');
  const { LineCounter, parseDocument, isMap, isSeq, isScalar } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const problems: string[] = [];
  const problem = (line: number, message: string): number => problems.push(`${file}:${line}: ${message}`);
  for (const e of doc.errors) problem(e.linePos?.[0]?.line ?? 1, yamlText(e.message));
  const fail = (): never => {
    for (const p of problems.slice(0, -1)) console.error(`contract-mock ${command}: ${p}`);
    usageError(command, problems[problems.length - 1]!);
  };
  if (problems.length) fail();
  if (doc.contents === null) return;
  if (!isMap(doc.contents))
    problem(
      lineOf(doc.contents),
      `the file must hold option names and values (like port: 4010), not a ${isSeq(doc.contents) ? 'list' : 'single value'}`,
    );
  const options = cmd.options.filter((o) => o.long && o.long !== '--config');
  const byName = new Map<string, Option>();
  for (const o of options) byName.set(o.attributeName(), o).set(o.long!.slice(2), o);
  const seen = new Map<Option, string>();
  const values: Array<[Option, unknown]> = [];
  for (const pair of isMap(doc.contents) ? doc.contents.items : []) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = lineOf(pair.key as Node);
    const option = byName.get(key);
    if (!option) {
      const guess = closest(
        key,
        [...byName.keys()].filter((k) => k.includes('-') || !/[A-Z]/.test(k)),
      );
      problem(
        line,
        `unknown key "${key}" for ${command}${guess ? ` (did you mean "${guess}"?)` : ''}; the keys are ${command}'s flag names, as in contract-mock ${command} --help`,
      );
      continue;
    }
    if (seen.has(option)) {
      problem(line, `"${key}" is given twice (also as "${seen.get(option)}")`);
      continue;
    }
    seen.set(option, key);
    const value = checked(option, pair.value as Node | null, (message) =>
      problem(lineOf((pair.value as Node | null) ?? (pair.key as Node)), `${key}: ${message}`),
    );
    if (value !== undefined) values.push([option, PATHS.has(option.attributeName()) ? relativeTo(file, value) : value]);
  }
  if (problems.length) fail();
  for (const [option, value] of values) {
    const name = option.attributeName();
    const source = cmd.getOptionValueSource(name);
    if (source === 'cli' || source === 'env') continue;
    const env = envOf[name] ?? ENV_OF[name];
    if (env && process.env[env]) continue;
    cmd.setOptionValueWithSource(name, value, 'config');
  }
}

/** The value as the command line would give it (strings; a list for a repeatable flag; true/false for a switch), or undefined after saying what is wrong. */
function checked(option: Option, node: Node | null, wrong: (message: string) => void): unknown {
  const { isScalar, isSeq } = yaml();
  const scalar = (n: unknown): string | undefined =>
    isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number') ? String(n.value) : undefined;
  if (!option.required && !option.optional) {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    return wrong(`must be true or false (it is a switch: --${option.long!.slice(2)})`);
  }
  if (Array.isArray(option.defaultValue)) {
    if (scalar(node) !== undefined) return [scalar(node)];
    if (isSeq(node) && node.items.every((i) => scalar(i) !== undefined)) return node.items.map(scalar);
    return wrong('must be a value or a list of values (it is repeatable)');
  }
  const value = scalar(node);
  if (value === undefined)
    return wrong(
      `must be a single value${isSeq(node) ? ' (it is not repeatable)' : ''}, like ${option.long} on the command line`,
    );
  return value;
}

function relativeTo(file: string, value: unknown): unknown {
  // A --spec URL is not a path: it stays as written.
  const at = (p: string): string => (isAbsolute(p) || /^https?:\/\//i.test(p) ? p : join(dirname(resolve(file)), p));
  return Array.isArray(value) ? value.map((v: string) => at(v)) : at(value as string);
}

/** The name closest to a misspelt one (one or two edits away), if any. */
function closest(name: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const n of names) {
    const distance = editDistance(n.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: n, distance };
  }
  return best?.name;
}
