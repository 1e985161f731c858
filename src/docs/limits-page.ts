/**
 * Renders docs/reference/limits.md: each limit flag of `serve` with its default read from the commander program
 * (src/cli/program.ts, where the defaults are defined) and what happens when it is exceeded. Owns the wording only.
 */
import type { Command, Option } from 'commander';
import { buildProgram } from '../cli/program.js';

/** What happens past each limit; the flag's default comes from its commander definition. */
export const LIMITS: ReadonlyArray<{ flags: readonly string[]; whenExceeded: string }> = [
  { flags: ['--max-body'], whenExceeded: 'parameter-error envelope, `X-Mock-Violations` says the size' },
  {
    flags: ['--max-depth'],
    whenExceeded: 'parameter-error envelope (for a JSON form field, its JSON error: ios-datasyn 5)',
  },
  { flags: ['--max-fields'], whenExceeded: 'parameter-error envelope' },
  { flags: ['--max-header-size'], whenExceeded: "HTTP 431 with the API's parameter-error envelope" },
  {
    flags: ['--max-sessions', '--session-idle'],
    whenExceeded:
      'a new session is never refused: one is evicted to make room (a session idle `--session-idle` seconds first, then sessions used by one request only, then the least recently used), counted in `GET /__mock/health` (`sessions.evicted`)',
  },
  {
    flags: ['--max-records'],
    whenExceeded:
      "a session that holds N records (schools, users, tokens, push projects ...) refuses new ones with the API's server-error envelope (`X-Mock-Limit: max-records`)",
  },
  {
    flags: ['--max-state-bytes', '--max-store-bytes'],
    whenExceeded:
      "a write that would take one session's records (counted as the size of their JSON) past the first, or every session's together past the second, is refused before it is applied with the API's server-error envelope (`X-Mock-Limit: max-state-bytes` / `max-store-bytes`); deletes, resets and evicted sessions give their bytes back (the total in `GET /__mock/health`, `sessions.bytes`, without Redis). At the total, sessions idle `--session-idle` are evicted to make room first (in memory and `--state`; on Redis a full store only refuses, and the total is summed across instances to within 16 KiB per session and 5 s)",
  },
  {
    flags: ['--max-response'],
    whenExceeded:
      "an answer body larger than this (or than Node can write as one string) is refused with the API's server-error envelope (`X-Mock-Limit: max-response`), and journaled as refused",
  },
  {
    flags: ['--journal-per-session', '--journal-total'],
    whenExceeded:
      "the session's own oldest records evicted; past the total, the largest session's first (the journal also keeps at most 256 MB in all and 32 MB per session); counted in `/__mock/health`, and a session's `verify`/`report` say what it lost; bodies over 64 KB are journaled as a preview (answers over 1 MiB: a preview of the text sent)",
  },
  {
    flags: ['--request-timeout'],
    whenExceeded: 'a body that stops arriving gets the parameter-error envelope (problem+json 408 on the admin API)',
  },
  {
    flags: ['--max-deliveries'],
    whenExceeded: 'deliveries past N in one call are journaled as not delivered, with the reason',
  },
  {
    flags: ['--max-held'],
    whenExceeded:
      "answers held on purpose at once (`timeout` faults, scenario delays such as `slow-network`); each one past N is answered at once with the API's server-error envelope (a served document's 503 problem), `X-Mock-Limit: max-held`, `Retry-After: 1`. Health and calls that hold nothing are never kept waiting",
  },
  {
    flags: ['--max-hold'],
    whenExceeded:
      "a `timeout` fault's connection is closed, unanswered, after MS; a longer scenario delay is cut to MS",
  },
  {
    flags: ['--journal-max-size', '--journal-keep'],
    whenExceeded: 'the journal file rotates; the oldest file beyond N is removed',
  },
  {
    flags: ['--redis-timeout'],
    whenExceeded:
      "a Redis command that takes longer: the call is answered with the API's server-error envelope, `X-Mock-Limit: store-unavailable`, `Retry-After: 1`",
  },
];

const MIB = 1024 * 1024;

/** `1048576` → `1048576 (1 MiB)`: byte defaults as a reader counts them. */
function shown(option: Option): string {
  const value = String(option.defaultValue);
  const bytes = option.flags.includes('<bytes>') ? Number(value) : NaN;
  if (bytes >= MIB && bytes % MIB === 0) return `${value} (${bytes / MIB} MiB)`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${value} (${bytes / 1024} KiB)`;
  return value;
}

function optionOf(serve: Command, long: string): Option {
  const option = serve.options.find((o) => o.long === long);
  if (!option)
    throw new Error(`docs/reference/limits.md names ${long}, which serve does not define (src/cli/program.ts)`);
  return option;
}

export function limitsPage(): string {
  const serve = buildProgram({ version: '0.0.0', env: {} }).commands.find((c) => c.name() === 'serve')!;
  const row = ({ flags, whenExceeded }: (typeof LIMITS)[number]): string => {
    const options = flags.map((f) => optionOf(serve, f));
    return `| ${options.map((o) => `\`${o.flags}\``).join(', ')} | ${options.map(shown).join(' / ')} | ${options
      .map((o) => o.description)
      .join('; ')
      .replace(/\|/g, '\\|')} | ${whenExceeded.replace(/\|/g, '\\|')} |`;
  };
  return [
    '<!-- Generated by `npm run docs` from src/docs/limits-page.ts, defaults from src/cli/program.ts: do not edit this page. -->',
    '',
    '# Limits',
    '',
    "Each limit is a `serve` (and `run`) flag with the default below, and each is answered in the API's own envelope",
    '(problem+json on the admin API; the refusals are listed in [refusals.md](refusals.md)). None of them can be used',
    'to lock another client out. `proxy` has its own `--max-body` (10 MiB) and `--max-held` (256):',
    '[cli.md](cli.md#contract-mock-proxy). From JavaScript, `startMock({ limits })` takes the same limits by their',
    'camel-case names.',
    '',
    '| flag | default | is | when exceeded |',
    '|---|---|---|---|',
    ...LIMITS.map(row),
    '',
    'Fixed, not flags: at most 64 `/__mock/events` streams open at once per instance (the next is answered problem+json',
    '503 with `Retry-After: 10`), and a stream whose client stops reading is dropped once 4 MB of events wait for it;',
    'a wx-push delivery times out after 5 s and reads at most 1 MB of answer; the mock clock moves at most 100 years',
    'from the real one. What the byte budgets cost in memory: [the team-server guide](../guides/team-server.md#limits).',
    '',
  ].join('\n');
}
