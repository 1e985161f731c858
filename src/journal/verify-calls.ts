/**
 * Verification over the journal (WireMock's verify): how many calls of an operation matched a
 * `where` pattern, against an expected count; when it fails, the closest calls and how they differ.
 */
import type { CallRecord } from './call-record.js';

export interface VerifyRequest {
  operationId?: string;
  method?: string;
  path?: string;
  count?: number;
  atLeast?: number;
  atMost?: number;
  /** A partial pattern over `{ query, body, headers, status, code, response }` of each call. */
  where?: Record<string, unknown>;
}

export interface Difference {
  path: string;
  expected: unknown;
  actual: unknown;
}

export interface NearMiss {
  id: string;
  operationId: string | null;
  method: string;
  path: string;
  time: string;
  differences: Difference[];
}

export interface VerificationResult {
  ok: boolean;
  matched: number;
  expected: string;
  nearMisses?: NearMiss[];
  /**
   * Records of the session lost to the journal's caps since it was last cleared (present only when some were).
   * The result then counts only the calls still kept: `ok` holds only when no lost call could change it (an
   * `atLeast` alone, already met); otherwise it is false and `lost` says why.
   */
  lost?: number;
  /** With `lost`: what was lost and what that means for this verification. */
  detail?: string;
}

/** What `where` is matched against: the parts of a call a test script asks about. */
export function callView(c: CallRecord): Record<string, unknown> {
  return {
    query: c.query,
    body: c.request.body,
    headers: c.request.headers,
    status: c.response.status,
    code: c.response.code,
    response: c.response.body,
    session: c.session,
  };
}

/** Every place `actual` differs from the partial `expected` (objects partially, arrays and primitives exactly). */
export function differences(expected: unknown, actual: unknown, path = ''): Difference[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return [{ path: path || '/', expected, actual }];
    return Object.entries(expected).flatMap(([k, v]) =>
      differences(v, (actual as Record<string, unknown>)[k], `${path}/${k}`),
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [{ path: path || '/', expected, actual }];
    return expected.flatMap((v, i) => differences(v, actual[i], `${path}/${i}`));
  }
  return Object.is(expected, actual) ? [] : [{ path: path || '/', expected, actual }];
}

/** Checks the shape of a verify request; returns what to fix, or undefined when it is usable. */
export function verifyRequestProblem(req: unknown): string | undefined {
  if (!req || typeof req !== 'object' || Array.isArray(req))
    return 'Send a JSON object, e.g. {"operationId": "syncSaveOrganMetadata", "atLeast": 1, "where": {"body": {"otherId": 100}}}.';
  const r = req as VerifyRequest;
  if (!r.operationId && !(r.method && r.path))
    return 'Name the calls to count: "operationId" (e.g. "channelToken"), or "method" and "path" (e.g. "POST", "/v1/channel/token").';
  for (const k of ['count', 'atLeast', 'atMost'] as const) {
    if (r[k] !== undefined && (!Number.isInteger(r[k]) || (r[k] as number) < 0))
      return `"${k}" must be a whole number >= 0.`;
  }
  if (r.count !== undefined && (r.atLeast !== undefined || r.atMost !== undefined))
    return 'Use "count" alone, or "atLeast" and/or "atMost".';
  if (r.where !== undefined && (r.where === null || typeof r.where !== 'object' || Array.isArray(r.where))) {
    return '"where" must be an object over {query, body, headers, status, code, response}, e.g. {"body": {"otherId": 100}, "code": "200"}.';
  }
  return undefined;
}

/** `lost`: records of the session the journal no longer has (JournalStats: evicted to a cap); the verification cannot vouch for them. */
export function verifyCalls(calls: CallRecord[], req: VerifyRequest, lost = 0): VerificationResult {
  const selects = (c: CallRecord): boolean =>
    req.operationId ? c.operationId === req.operationId : c.method === req.method!.toUpperCase() && c.path === req.path;
  const selected = calls.filter(selects);
  const where = req.where ?? {};
  const matched = selected.filter((c) => differences(where, callView(c)).length === 0);
  const n = matched.length;
  let ok: boolean;
  let expected: string;
  if (req.count !== undefined) {
    ok = n === req.count;
    expected = `exactly ${req.count}`;
  } else {
    const min = req.atLeast ?? (req.atMost === undefined ? 1 : 0);
    ok = n >= min && (req.atMost === undefined || n <= req.atMost);
    expected =
      req.atMost === undefined
        ? `at least ${min}`
        : req.atLeast === undefined
          ? `at most ${req.atMost}`
          : `between ${min} and ${req.atMost}`;
  }
  // A lost call can only add to the count: a lower bound already met holds whatever was lost; nothing else can be vouched for.
  const loss = lost > 0 && {
    lost,
    detail: `${lost} record(s) of this session were evicted by the journal's caps (--journal-per-session, --journal-total): ${ok && req.count === undefined && req.atMost === undefined ? `the ${n} call(s) still kept already make ${expected}` : `matched counts only the calls still kept, so "${expected}" cannot be vouched for`}. Clear the journal (DELETE /__mock/calls) before the calls you verify, or raise the caps.`,
  };
  if (ok && loss && (req.count !== undefined || req.atMost !== undefined))
    return { ok: false, matched: n, expected, ...loss };
  if (ok) return { ok, matched: n, expected, ...loss };
  // Near misses: calls of the operation that failed the pattern, fewest differences first; with none, the latest calls at all.
  const target = req.operationId ?? `${req.method} ${req.path}`;
  const pool = selected.length ? selected.filter((c) => !matched.includes(c)) : calls;
  const nearMisses = pool
    .map((c, i) => {
      const diffs = differences(where, callView(c));
      if (!selected.length)
        diffs.unshift({
          path: req.operationId ? 'operationId' : 'method path',
          expected: target,
          actual: req.operationId ? c.operationId : `${c.method} ${c.path}`,
        });
      return { c, diffs, i };
    })
    .sort((a, b) => a.diffs.length - b.diffs.length || b.i - a.i)
    .slice(0, 3)
    .map(({ c, diffs }) => ({
      id: c.id,
      operationId: c.operationId,
      method: c.method,
      path: c.path,
      time: c.time,
      differences: diffs,
    }));
  return { ok, matched: n, expected, nearMisses, ...loss };
}
