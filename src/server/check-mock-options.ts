/**
 * The options a script passes to `startMock` / `createMock`, checked before anything starts: a mistake from plain
 * JavaScript (no types there) is a TypeError naming the option, never a stack from deep inside. What the options do
 * is create-server.ts's and start-mock.ts's.
 */
import { DEFAULT_LIMITS } from '../pipeline/index.js';

type Kind =
  | 'port'
  | 'string'
  | 'number'
  | 'positive'
  | 'boolean'
  | 'function'
  | 'object'
  | 'strings'
  | 'httpStatus'
  | 'restState'
  | 'limits';

/** Every option of MockOptions plus startMock's own (port, host, specFiles), with what its value must be. */
const KINDS: Record<string, Kind> = {
  port: 'port',
  host: 'string',
  contract: 'object',
  specFiles: 'strings',
  clock: 'object',
  store: 'object',
  seed: 'number',
  limits: 'limits',
  delivery: 'object',
  maxSessions: 'positive',
  maxRecordsPerSession: 'positive',
  maxStateBytes: 'positive',
  maxStoreBytes: 'positive',
  sessionIdleMs: 'number',
  stateDir: 'string',
  redis: 'object',
  maxHeaderBytes: 'positive',
  journal: 'object',
  onCall: 'function',
  log: 'function',
  adminToken: 'string',
  corsOrigins: 'strings',
  allowHosts: 'strings',
  listenHost: 'string',
  scenarioDirs: 'strings',
  activeScenarios: 'strings',
  watchScenarios: 'boolean',
  watchSpecs: 'strings',
  sleep: 'function',
  httpStatus: 'httpStatus',
  restState: 'restState',
  handlers: 'object',
};

const WANTS: Record<Kind, string> = {
  port: 'a whole number from 0 to 65535 (0 picks a free port)',
  string: 'a string',
  number: 'a finite number',
  positive: 'a number above 0',
  boolean: 'true or false',
  function: 'a function',
  object: 'an object',
  strings: 'an array of strings',
  httpStatus: '"documented" or "mapped"',
  restState: '"overlay" or "strict"',
  limits: `an object of numbers above 0 (${Object.keys(DEFAULT_LIMITS).join(', ')})`,
};

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'port':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'positive':
      return typeof value === 'number' && value > 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'function':
      return typeof value === 'function';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'httpStatus':
      return value === 'documented' || value === 'mapped';
    case 'restState':
      return value === 'overlay' || value === 'strict';
    case 'limits':
      return (
        typeof value === 'object' &&
        value !== null &&
        Object.entries(value).every(([k, v]) => k in DEFAULT_LIMITS && typeof v === 'number' && v > 0)
      );
  }
}

const shown = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : Array.isArray(value)
        ? 'an array'
        : value === null
          ? 'null'
          : typeof value === 'object'
            ? 'an object'
            : String(value);

/** The option names closest to a misspelt one (same letters ignoring case and separators, or one edit away). */
function closest(name: string): string | undefined {
  const plain = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  return Object.keys(KINDS).find((k) => plain(k) === plain(name) || editDistance(plain(k), plain(name)) <= 2);
}

/** Levenshtein distance: how many one-letter edits turn `a` into `b` (for did-you-mean hints). */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Throws a TypeError `FN: ...` naming the first option that is unknown or of the wrong type; `allowed` limits the names (createMock takes no port). */
export function checkMockOptions(fn: string, options: unknown, allowed: (name: string) => boolean = () => true): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`${fn}: options must be an object, got ${shown(options)}`);
  for (const [name, value] of Object.entries(options)) {
    const kind = KINDS[name];
    if (!kind || !allowed(name)) {
      const guess = closest(name);
      throw new TypeError(
        `${fn}: unknown option "${name}"${guess && allowed(guess) ? ` (did you mean "${guess}"?)` : ''}; the options are ${Object.keys(KINDS).filter(allowed).join(', ')}`,
      );
    }
    if (value !== undefined && !fits(kind, value)) {
      const bad =
        kind === 'limits' && fits('object', value)
          ? Object.entries(value as object).find(
              ([k, v]) => !(k in DEFAULT_LIMITS) || typeof v !== 'number' || !(v > 0),
            )
          : undefined;
      if (bad)
        throw new TypeError(
          `${fn}: limits.${bad[0]} ${bad[0] in DEFAULT_LIMITS ? `must be a number above 0, got ${shown(bad[1])}` : `is not a limit; the limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}`}`,
        );
      throw new TypeError(`${fn}: ${name} must be ${WANTS[kind]}, got ${shown(value)}`);
    }
  }
}
