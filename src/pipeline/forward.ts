/**
 * forward: the proxy's stage in place of scenario and handle. The call goes on to the upstream as it came (its
 * bytes, its headers but hop-by-hop ones); the answer comes back whole (then checked against the contract like a
 * provider's, and sent by respond) or, past --max-body, relayed as it streams and recorded as too large to validate.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkResponse } from '../contract/check-response.js';
import { textIn } from '../contract/decode-body.js';
import { requestTarget } from '../http/request-target.js';
import { dialectOf, type Answer, type Call, type Walk } from './walk.js';

/** Where and how long the proxy forwards. */
export interface ForwardOptions {
  /** The upstream's base URL, without a trailing slash. */
  target: string;
  /** Longest wait for the upstream's whole answer. */
  timeoutMs: number;
  /** Told of each answer that came back whole (the proxy's --record). */
  onForwarded?(
    call: Call,
    forwarded: {
      status: number;
      contentType: string | undefined;
      text: string;
      body: unknown;
      code: string | undefined;
    },
  ): void;
  /** Told when an answer was relayed unrecorded (over --max-body). */
  onRelayed?(call: Call, bytes: number): void;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** The request headers sent on to the upstream (and journaled): all but the hop-by-hop ones. */
export function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}

/**
 * An upstream answer: whole (within the buffer bound, so it can be validated and recorded), or relayed to
 * the client as it streamed because it was larger (issue 25, finding 10: a 700 MB answer buffered whole
 * took the proxy to 2.2 GB). A relayed answer keeps only its first bytes, as a preview.
 */
type RelayedBody = { kind: 'relayed'; bytes: number; preview: Buffer; broken?: string };
type UpstreamBody = { kind: 'whole'; bytes: Buffer } | RelayedBody;

const PREVIEW_BYTES = 1024;

/**
 * Reads the upstream body into memory up to `max` bytes. Past that, the status and headers go to the
 * client with what was read, and the rest follows as it arrives (backpressure from the client, the
 * upstream read cancelled if the client goes away): at most `max` plus one chunk is ever held.
 */
async function readOrRelay(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  res: ServerResponse,
  clientLeft: () => boolean,
  head: () => void,
): Promise<UpstreamBody> {
  if (!body) return { kind: 'whole', bytes: Buffer.alloc(0) };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { kind: 'whole', bytes: Buffer.concat(chunks, n) };
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    n += value.byteLength;
    if (n > max) break;
  }
  const preview = Buffer.concat(chunks, n).subarray(0, PREVIEW_BYTES);
  // The upstream's own failure; a read cut because the client left (which aborts the exchange) is not one.
  let upstreamFailed: (Error & { cause?: Error }) | undefined;
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* chunks.splice(0);
      for (;;) {
        const { done, value } = await reader.read().catch((e: Error & { cause?: Error }) => {
          if (!clientLeft()) upstreamFailed = e;
          throw e;
        });
        if (done) return;
        n += value.byteLength;
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    } finally {
      void reader.cancel().catch(() => {});
    }
  }
  head();
  try {
    await pipeline(Readable.from(rest(), { objectMode: false }), res);
    return { kind: 'relayed', bytes: n, preview };
  } catch {
    const broken = upstreamFailed
      ? `the upstream answer broke off: ${upstreamFailed.cause?.message ?? upstreamFailed.message}`
      : 'the client closed the connection';
    return { kind: 'relayed', bytes: n, preview, broken };
  }
}

/** Status and headers of an answer on its way back (the upstream's, but hop-by-hop ones). */
function writeHead(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  contentType: string | undefined,
): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (contentType) res.setHeader('content-type', contentType);
}

/** The upstream's answer (its body whole, or relayed past the buffer bound), or why there is none. */
type Exchanged =
  | {
      kind: 'answer';
      status: number;
      contentType: string | undefined;
      headers: Record<string, string>;
      body: UpstreamBody;
    }
  | { kind: 'failed'; clientLeft: boolean; message: string };

/**
 * One call to the upstream, bounded in time (`timeoutMs` for the whole answer) and stopped when the
 * client leaves. One controller ends it either way (AbortSignal.any needs node 20.3).
 */
async function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body: Buffer | undefined },
  res: ServerResponse,
  maxBody: number,
  timeoutMs: number,
): Promise<Exchanged> {
  const ends = new AbortController();
  let left = false;
  const timer = setTimeout(
    () => ends.abort(new DOMException(`no whole answer within ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  ).unref();
  res.once('close', () => {
    left = !res.writableFinished;
    ends.abort();
  });
  try {
    const up = await fetch(url, { ...init, redirect: 'manual', signal: ends.signal });
    const contentType = up.headers.get('content-type') ?? undefined;
    const headers: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') headers[k] = v;
    });
    const body = await readOrRelay(
      up.body,
      maxBody,
      res,
      () => left,
      () => writeHead(res, up.status, headers, contentType),
    );
    return { kind: 'answer', status: up.status, contentType, headers, body };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return { kind: 'failed', clientLeft: left, message: err.cause?.message ?? err.message };
  } finally {
    clearTimeout(timer);
  }
}

/** No answer from the upstream: 502, a network violation unless the client gave up first. */
function unreachable(call: Call, target: string, up: Extract<Exchanged, { kind: 'failed' }>): Answer {
  // A client that gave up first says nothing about the upstream: no violation then.
  if (!up.clientLeft) {
    call.violations.push({
      side: 'response',
      pointer: '',
      rule: 'network',
      message: `upstream unreachable: ${up.message}`,
    });
  }
  const text = JSON.stringify(
    up.clientLeft
      ? { error: 'client_closed', message: 'the client closed the connection before the upstream answered' }
      : { error: 'bad_gateway', message: `contract-mock proxy could not reach ${target}: ${up.message}` },
  );
  return { status: 502, headers: {}, body: undefined, text, contentType: 'application/json', unchecked: true };
}

/** An answer relayed past --max-body, not validated: the record says so, with the first bytes as a preview. */
function relayedAnswer(w: Walk, call: Call, up: Extract<Exchanged, { kind: 'answer' }>, relayed: RelayedBody): Answer {
  const why = relayed.broken ? `; ${relayed.broken}` : '';
  // The upstream broke off: the one network violation (nothing else was checked).
  if (relayed.broken && !relayed.broken.startsWith('the client')) {
    call.violations.push({
      side: 'response',
      pointer: '',
      rule: 'network',
      message: `${relayed.broken} after ${relayed.bytes} bytes`,
    });
  }
  const text = `(${relayed.bytes} bytes relayed, over the ${w.limits.maxBodyBytes}-byte --max-body: too large to validate${why}) ${textIn(relayed.preview, up.contentType)}`;
  const { status, headers, contentType } = up;
  return { status, headers, body: undefined, text, unchecked: true, ...(contentType !== undefined && { contentType }) };
}

/** The upstream's answer as the call's answer: sent by respond when whole, already on its way when relayed (`sent`). */
export async function forward(
  w: Walk,
  call: Call,
  res: ServerResponse,
  f: ForwardOptions,
): Promise<{ answer: Answer; sent: boolean }> {
  const { method, url } = requestTarget(call.req);
  const raw = call.body.raw;
  const init = { method, headers: forwardedHeaders(call.req), body: raw?.length ? raw : undefined };
  const up = await exchange(f.target + url, init, res, w.limits.maxBodyBytes, f.timeoutMs);
  if (up.kind === 'failed') return { answer: unreachable(call, f.target, up), sent: false };
  const { status, contentType, headers } = up;
  delete headers['content-type'];
  if (up.body.kind === 'relayed') {
    f.onRelayed?.(call, up.body.bytes);
    return { answer: relayedAnswer(w, call, up, up.body), sent: true };
  }
  // The upstream's bytes go back as they came; the checks read them in the charset its Content-Type declares.
  const text = textIn(up.body.bytes, contentType);
  let body: unknown = text;
  let code: string | undefined;
  const op = call.op;
  if (op) {
    const check = checkResponse(op, dialectOf(w, op.api)!, { status, contentType, text });
    call.violations.push(...check.failures);
    body = check.body;
    code = check.code;
  }
  f.onForwarded?.(call, { status, contentType, text, body, code });
  const answer: Answer = {
    status,
    headers,
    body,
    bytes: up.body.bytes,
    unchecked: true,
    ...(contentType !== undefined && { contentType }),
  };
  return { answer, sent: false };
}
