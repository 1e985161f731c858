/** Admin routes over the journal (DESIGN.md): calls, violations, verify, HAR and NDJSON export. All per session. */
import { exactJson } from '../contract/exact-json.js';
import type { Request, Response } from 'express';
import type { CallJournal, CallFilter } from '../journal/journal.js';
import type { CallRecord } from '../journal/call-record.js';
import { toHar } from '../journal/export-har.js';
import { verifyCalls, verifyRequestProblem, type VerifyRequest } from '../journal/verify-calls.js';
import { sessionOf } from '../http/session-header.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

const FILTERS = ['api', 'operationId', 'method', 'path', 'since', 'limit'] as const;

function filterOf(req: Request, res: Response): CallFilter | undefined {
  const q = req.query as Record<string, unknown>;
  // A misspelt filter (`apii=x`) would otherwise be ignored and every call returned.
  const unknown = Object.keys(q).filter((k) => !(FILTERS as readonly string[]).includes(k));
  if (unknown.length)
    return void problem(
      res,
      REFUSALS.unknownFilter,
      `"${unknown[0]}" is not a filter of GET /__mock${req.path}; the filters are ${FILTERS.join(', ')}.`,
    );
  const filter: CallFilter = {};
  for (const key of FILTERS) {
    const v = q[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') return void problem(res, REFUSALS.badFilter, `Give "${key}" once, as a plain value.`);
    if (key === 'limit') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        return void problem(res, REFUSALS.badFilter, `"limit" must be a whole number >= 0, got "${v}".`);
      filter.limit = n;
    } else if (key === 'since') {
      if (Number.isNaN(Date.parse(v)))
        return void problem(
          res,
          REFUSALS.badFilter,
          `"since" must be an ISO time such as 2026-11-22T06:00:00Z, got "${v}".`,
        );
      filter.since = v;
    } else filter[key] = v;
  }
  return filter;
}

const VERIFY_FIELDS = ['operationId', 'method', 'path', 'count', 'atLeast', 'atMost', 'where'];
const WHERE_FIELDS = ['query', 'body', 'headers', 'status', 'code', 'response', 'session'];

/** What in a verify request names something that does not exist (a field, a part of a call, an operation); undefined when none. */
function verifyNamesProblem(body: VerifyRequest, operationIds: ReadonlySet<string>): string | undefined {
  const field = Object.keys(body).find((k) => !VERIFY_FIELDS.includes(k));
  if (field) return `"${field}" is not a field of a verification; use ${VERIFY_FIELDS.join(', ')}.`;
  const part = Object.keys(body.where ?? {}).find((k) => !WHERE_FIELDS.includes(k));
  if (part) return `"where.${part}" is not a part of a call; "where" matches ${WHERE_FIELDS.join(', ')}.`;
  if (body.operationId !== undefined && !operationIds.has(body.operationId)) {
    const near = [...operationIds].filter((id) =>
      id.toLowerCase().includes(String(body.operationId).toLowerCase().slice(0, 4)),
    );
    return `Unknown operation "${body.operationId}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; the operations are ${[...operationIds].join(', ')}.`;
  }
  return undefined;
}

/** The header that says a session's journal is missing records lost to a cap (journal.lost), on every read of it. */
export const LOST_HEADER = 'X-Mock-Journal-Lost';

/** A session's records as filtered, with how many it lost to the journal's caps in LOST_HEADER (when any). */
async function readJournal(
  journal: CallJournal,
  req: Request,
  res: Response,
  filter: CallFilter,
): Promise<CallRecord[]> {
  const session = sessionOf(req);
  const [calls, lost] = await Promise.all([journal.query(session, filter), journal.lost(session)]);
  if (lost) res.setHeader(LOST_HEADER, String(lost));
  return calls;
}

/** `res.json`, with a record's exact integers (BigInt) written digit for digit. */
function sendJson(res: Response, value: unknown): void {
  res.type('application/json').send(exactJson.stringify(value));
}

/** `operationIds`: the operations of the contract, so a verification of a misspelt one is refused, not counted as 0. */
export function journalRoutes(journal: CallJournal, version: string, operationIds: ReadonlySet<string>): AdminHandlers {
  return {
    'GET /calls': async (req, res) => {
      const filter = filterOf(req, res);
      if (filter) sendJson(res, await readJournal(journal, req, res, filter));
    },

    'DELETE /calls': async (req, res) => {
      const session = sessionOf(req);
      res.json({ session, cleared: await journal.clear(session) });
    },

    'GET /violations': async (req, res) => {
      const filter = filterOf(req, res);
      if (filter) sendJson(res, await readJournal(journal, req, res, { ...filter, violationsOnly: true }));
    },

    'POST /verify': async (req, res) => {
      const detail = verifyRequestProblem(req.body);
      if (detail) return problem(res, REFUSALS.badVerification, detail);
      const unknown = verifyNamesProblem(req.body as VerifyRequest, operationIds);
      if (unknown)
        return problem(
          res,
          unknown.startsWith('Unknown operation') ? REFUSALS.unknownOperation : REFUSALS.badVerification,
          unknown,
        );
      const session = sessionOf(req);
      const [calls, lost] = await Promise.all([journal.query(session), journal.lost(session)]);
      sendJson(res, verifyCalls(calls, req.body as VerifyRequest, lost));
    },

    'GET /calls.har': async (req, res) => {
      const filter = filterOf(req, res);
      if (!filter) return;
      res
        .type('application/json')
        .send(exactJson.stringify(toHar(await readJournal(journal, req, res, filter), version)));
    },

    'GET /calls.ndjson': async (req, res) => {
      const filter = filterOf(req, res);
      if (!filter) return;
      res
        .type('application/x-ndjson')
        .send((await readJournal(journal, req, res, filter)).map((c) => exactJson.stringify(c) + '\n').join(''));
    },
  };
}
