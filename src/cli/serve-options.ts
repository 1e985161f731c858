/**
 * The options `serve` and `run` share, as commander options grouped by concern (listening and files, admin access,
 * limits, journal, deliveries, Redis, answers). Declares them, never reads their values (config-file.ts, serve.ts do).
 */
import type { Command, Option } from 'commander';

/** Commander's parser for a repeatable option: each use appends its value. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Where `serve` listens and the files it reads and writes: config, scenarios, specs, state, journal. */
function listenAndFileOptions(command: Command, port: Option): void {
  command
    .addOption(port)
    .option(
      '--config <file>',
      'read option values from FILE (YAML or JSON, keys named like these flags); default: contract-mock.config.json, .yaml or .yml in this folder, if there',
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--scenario <name>', 'activate a scenario for every session (repeatable)', collect, [])
    .option(
      '--scenarios <dir>',
      "also load your project's scenario files from DIR, reloaded on edit (repeatable)",
      collect,
      [],
    )
    .option(
      '--spec <file>',
      'also serve this OpenAPI 3.0/3.1 document (YAML or JSON; a file, reloaded on edit, or an http(s) URL) at its servers path (repeatable)',
      collect,
      [],
    )
    .option(
      '--handlers <file>',
      'add or replace operation handlers from this ES module (named exports by operationId, typed Handler from contract-mock) for any served API (repeatable)',
      collect,
      [],
    )
    .option('--state <dir>', 'keep state and journal on disk in DIR')
    .option(
      '--journal <file>',
      'also append every call record to FILE as NDJSON (with --state: the journal lives in FILE)',
    );
}

/** Who may use the admin API (/__mock): its token, CORS origins and allowed host names. */
function adminAccessOptions(command: Command): void {
  command
    .option(
      '--admin-token <token>',
      'require "Authorization: Bearer TOKEN" on /__mock (required off loopback; or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option(
      '--admin-token-file <file>',
      'read the admin token from FILE (trailing newline trimmed), so it does not show in ps',
    )
    .option(
      '--cors-origin <origin>',
      "grant the admin API's CORS to this origin too, e.g. http://localhost:5173 (repeatable; the APIs allow any origin)",
      collect,
      [],
    )
    .option(
      '--allow-host <host>',
      'answer admin requests addressed to this host name too (repeatable; .example.com allows its subdomains). Risk: a page on a name you allow can reach the admin API through DNS rebinding; allow only names you control',
      collect,
      [],
    );
}

/** What one request may take: body, nesting, fields, headers, time, answer size and held answers. */
function requestLimitOptions(command: Command): void {
  command
    .option('--max-body <bytes>', 'largest request body', String(1024 * 1024))
    .option('--max-depth <n>', 'deepest JSON nesting in a request', '32')
    .option('--max-fields <n>', 'most query or form fields in a request', '1000')
    .option('--max-header-size <bytes>', 'largest request header block', String(16 * 1024))
    .option('--max-response <bytes>', 'largest answer body an API call is answered with', String(64 * 1024 * 1024))
    .option('--request-timeout <ms>', 'how long a request body may take to arrive', '30000')
    .option(
      '--max-held <n>',
      'most answers held on purpose at once (timeout faults, scenario delays); the rest are answered at once with the server-error envelope',
      '256',
    )
    .option(
      '--max-hold <ms>',
      'longest an answer is held on purpose: a timeout fault closes the connection after it, a longer delay is cut to it',
      '300000',
    );
}

/** How many sessions are held and how much state each and all of them may keep. */
function sessionLimitOptions(command: Command): void {
  command
    .option('--max-sessions <n>', 'most sessions held at once', '10000')
    .option(
      '--session-idle <seconds>',
      'at --max-sessions, a session idle this long is evicted first (then sessions used once, then the least recently used); a new session is never refused',
      '600',
    )
    .option('--max-records <n>', 'most records (schools, users, tokens, push projects ...) one session holds', '10000')
    .option(
      '--max-state-bytes <bytes>',
      "most bytes one session's records take (counted as JSON)",
      String(16 * 1024 * 1024),
    )
    .option(
      '--max-store-bytes <bytes>',
      "most bytes every session's records take in all (idle sessions are evicted to make room)",
      String(256 * 1024 * 1024),
    );
}

/** How many call records the journal keeps, in memory and in its rotated file. */
function journalOptions(command: Command): void {
  command
    .option('--journal-per-session <n>', 'call records kept per session', '10000')
    .option('--journal-total <n>', 'call records kept in all', '100000')
    .option(
      '--journal-max-size <bytes>',
      'rotate the journal file when it would pass this size',
      String(64 * 1024 * 1024),
    )
    .option('--journal-keep <n>', 'rotated journal files kept besides the current one', '4');
}

/** How many webhook deliveries one call sends, and to which destinations besides loopback. */
function deliveryOptions(command: Command): void {
  command
    .option(
      '--max-deliveries <n>',
      'most webhook deliveries one call sends (the rest are journaled as not delivered)',
      '50',
    )
    .option(
      '--allow-delivery <host[:port]|cidr>',
      'a webhook destination allowed besides loopback (repeatable)',
      collect,
      [],
    );
}

/** Sharing sessions, journal and events with other instances through Redis. */
function redisOptions(command: Command): void {
  command
    .option(
      '--redis <url>',
      'share sessions, journal and events with every instance on this Redis: redis://HOST:PORT[/DB], or any node of a Redis Cluster (several comma-separated: seed nodes) (default $REDIS_URL)',
    )
    .option('--redis-prefix <prefix>', 'key prefix, so several mocks can share one Redis', 'contract-mock')
    .option('--redis-timeout <ms>', 'longest wait for Redis before a call is answered store-unavailable', '2000')
    .option('--redis-session-ttl <seconds>', 'a session nobody used for this long is removed from Redis', '86400');
}

/** How answers are made: the data seed, business errors' HTTP status, served documents' REST state. */
function answerOptions(command: Command): void {
  command
    .option('--seed <n>', 'seed for generated data', '1')
    .option(
      '--http-status <mode>',
      'business errors as HTTP 200 like the real servers (documented) or with their x-http-status (mapped)',
      'documented',
    )
    .option(
      '--rest-state <mode>',
      'served documents: an item the session has not touched exists until deleted (overlay) or only once created (strict)',
      'overlay',
    );
}

/** The options `serve` and `run` share (run's --port defaults to 0, a free port, since its command reads CONTRACT_MOCK_URL). */
export function serveOptions(command: Command, port: Option): Command {
  listenAndFileOptions(command, port);
  adminAccessOptions(command);
  requestLimitOptions(command);
  sessionLimitOptions(command);
  journalOptions(command);
  deliveryOptions(command);
  redisOptions(command);
  answerOptions(command);
  return command;
}
