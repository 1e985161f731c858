/**
 * record: the call's one immutable CallRecord, handed to the journal (which masks secrets and keeps it within its
 * budget); bodies too big or too deep to keep whole are a preview. Deliveries the call queued are pending in it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerText } from '../contract/decode-body.js';
import type { Violation } from '../contract/types.js';
import { parseSearch } from '../contract/validate-request.js';
import type { CallRecord } from '../journal/call-record.js';
import { dialectOf, type Answer, type Call, type Walk } from './walk.js';

/** Request headers as the record keeps them (the journal masks credentials in every record it stores). */
function recordedHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    out[k] = headerText(Array.isArray(v) ? v.join(', ') : v);
  }
  return out;
}

/** Bodies above this size are journaled as a preview, so a few huge calls cannot fill the journal's memory. */
export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

/** The request body as the record keeps it: parsed, or a preview of its text when it is too big or too deep to keep whole. */
function keptBody(recorded: unknown, text: string | undefined, bytes: number, violations: Violation[]): unknown {
  const tooBig =
    (bytes > MAX_RECORDED_BODY_BYTES && typeof recorded !== 'string') ||
    (typeof recorded === 'string' && recorded.length > MAX_RECORDED_BODY_BYTES);
  const tooDeep = violations.find((v) => v.rule === 'max-depth');
  if (!tooBig && !tooDeep) return recorded;
  return `(${bytes} bytes, not kept whole${tooDeep ? `: ${tooDeep.message}` : ''}) ${(text ?? '').slice(0, 1024)}`;
}

/**
 * Answers above this size are journaled as a preview made from the text already written for the client: the journal
 * would keep no more of them (its records are at most 256 KB), and writing and masking a large answer again for it
 * cost more than answering it (a 16 MB answer: three more JSON writes).
 */
const MAX_RECORDED_ANSWER_CHARS = 1024 * 1024;

/**
 * record: the call's one immutable CallRecord, handed to onCall (the journal masks secrets and keeps it
 * within its budget); bodies too big or too deep to keep whole are a preview. Deliveries are pending.
 */
export function record(w: Walk, call: Call, answer: Answer): CallRecord {
  const { req, body, recordedBody, fault } = call;
  const dialect = dialectOf(w, call.api);
  return {
    id: randomUUID(),
    time: call.time,
    mockTime: call.mockTime,
    session: call.sessionId,
    api: call.api,
    operationId: call.op?.operationId ?? null,
    method: call.method,
    path: call.pathname,
    query: call.query ?? parseSearch(call.search, w.limits, [], '/query'),
    request: {
      headers: recordedHeaders(req.headers),
      body: keptBody(recordedBody, body.text, body.bytes, call.violations),
    },
    response: {
      status: fault && fault !== 'malformed-json' ? 0 : answer.status,
      // The content type is recorded when it is not the API's JSON (an HTML page, problem+json), so exports can say what was sent.
      headers: answer.contentType ? { ...answer.headers, 'content-type': answer.contentType } : answer.headers,
      body:
        answer.text !== undefined
          ? answer.text
          : call.payload !== undefined && call.payload.length > MAX_RECORDED_ANSWER_CHARS
            ? `(${Buffer.byteLength(call.payload)} bytes, not kept whole) ${call.payload.slice(0, 1024)}`
            : answer.body,
      code: dialect && answer.text === undefined ? (dialect.codeOf(answer.body) ?? null) : null,
      fault,
    },
    durationMs: Math.round((performance.now() - call.started) * 1000) / 1000,
    // Absent (undefined, so not serialised) when no handler ran.
    order: call.order || undefined,
    violations: call.violations,
    scenarios: call.applied,
    deliveries: call.deliveries.map((d) => ({
      url: d.url,
      at: call.mockTime,
      ok: false,
      durationMs: 0,
      pending: true,
    })),
  };
}
