/**
 * Redis URLs and refusals in words: what is wrong with a `--redis` URL, the URL without its password for logs,
 * and a Redis refusal (READONLY, OOM, NOAUTH ...) with what to do about it. Knows nothing of connections.
 */

/**
 * Whether a --redis value is a list of seed nodes: it has a comma that is not inside one URL's password or query
 * (`redis://:a,b@host:6379` is one URL; `redis://h1:7001,h2:7002` does not parse as one).
 */
export function isSeedList(url: string): boolean {
  if (!url.includes(',')) return false;
  try {
    return new URL(url).hostname.includes(',');
  } catch {
    return true;
  }
}

/**
 * The seed nodes of a comma-separated --redis list, each a whole URL: a bare `HOST:PORT` takes the first URL's
 * scheme and credentials (one cluster has one password).
 */
export function seedUrls(url: string): string[] {
  if (!isSeedList(url)) return [url];
  const [first = '', ...rest] = url.split(',').map((u) => u.trim());
  const out = [first];
  let base: URL | undefined;
  try {
    base = new URL(first);
  } catch {
    return url.split(',').map((u) => u.trim());
  }
  for (const seed of rest) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(seed)) out.push(seed);
    else {
      const u = new URL(base.href);
      u.host = seed;
      out.push(u.href);
    }
  }
  return out;
}

/** A URL's problem in words (each seed node's, for a comma-separated list), or undefined when serve can use it. */
export function redisUrlProblem(url: string): string | undefined {
  if (isSeedList(url)) {
    for (const seed of seedUrls(url)) {
      const problem = oneUrlProblem(seed);
      if (problem) return `seed node ${problem}`;
      if (!/^\/?0?$/.test(new URL(seed).pathname))
        return `a Redis Cluster has only database 0 (got "${new URL(seed).pathname.slice(1)}" in ${redactedUrl(seed)})`;
    }
    return undefined;
  }
  return oneUrlProblem(url);
}

function oneUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed whole: it may hold a password.
    return `"${url.replace(/(\/\/[^/@]*:)[^/@]*@/, '$1***@').replace(/([?&][^=&]*(?:pass|pwd|secret|token|auth|key)[^=&]*=)[^&]*/gi, '$1***')}" is not a URL; give redis://HOST:PORT[/DB]`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    return `"${parsed.protocol}" is not redis: or rediss:; give redis://HOST:PORT[/DB]`;
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d{1,2}$/.test(db)) return `the database "${db}" must be a number (redis://HOST:PORT/0)`;
  return undefined;
}

/** Query parameters that carry a credential (ioredis reads `?password=` as the password). */
const SECRET_PARAM = /pass|pwd|secret|token|auth|key/i;

/** The URL without its password (in the user part or the query), for logs, health and errors; each seed's, for a list. */
export function redactedUrl(url: string): string {
  if (isSeedList(url)) return seedUrls(url).map(redactedUrl).join(',');
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.set(name, '***');
    // searchParams.set writes `***` as `%2A%2A%2A`: keep it readable.
    return u.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Redis's replies that refuse a command for the state the server is in (full, locked, loading, a replica,
 * unable to save), not for the command itself: the store is down until they stop, and the command did
 * nothing. The code, then what to do about it.
 */
const REFUSALS: ReadonlyArray<readonly [code: string, advice: string]> = [
  ['OOM', 'Redis is at its maxmemory; raise maxmemory, or keep less (--journal-total, --redis-session-ttl)'],
  ['NOAUTH', 'Redis wants a password; give it in the --redis URL (redis://:PASSWORD@HOST:PORT)'],
  ['WRONGPASS', 'Redis refused the user name or password in the --redis URL'],
  [
    'NOPERM',
    "the --redis URL's user lacks a permission the mock needs (keys under the prefix, EVAL, streams, PUBLISH)",
  ],
  ['LOADING', 'Redis is loading its dataset into memory'],
  ['READONLY', 'the --redis URL names a read-only replica; give the primary'],
  ['MISCONF', 'Redis cannot save its snapshots (check its disk, or run it with --save "")'],
  ['MASTERDOWN', 'the replica lost its primary'],
  ['NOREPLICAS', 'Redis has fewer replicas than its min-replicas-to-write'],
  ['BUSY', 'Redis is running a long script'],
  ['CLUSTERDOWN', 'the Redis Cluster is down'],
  ['TRYAGAIN', 'the Redis Cluster is moving the slot'],
];
const REFUSAL = new RegExp(`(?:^|[\\s:-])(${REFUSALS.map(([code]) => code).join('|')})\\b`);
const ADVICE = new Map(REFUSALS);

/** A refusal in Redis's words (its code first) with what to do, or undefined for any other error (a timeout, a bug in a command). */
export function refusalOf(e: unknown): { code: string; reason: string } | undefined {
  // A refused transaction (EXECABORT) carries the refusals of its commands.
  const errors = [e, ...((e as { previousErrors?: unknown[] })?.previousErrors ?? [])];
  for (const err of errors) {
    const message = String((err as Error)?.message ?? err);
    const code = REFUSAL.exec(message)?.[1];
    if (code) return { code, reason: `${message.split(/\r?\n/)[0]!.slice(0, 200)} (${ADVICE.get(code)})` };
  }
  return undefined;
}
