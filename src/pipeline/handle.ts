/**
 * handle: a `Prefer`-ed example, or the operation's handler (the API's plug-in), or with none its declared
 * answer (REST-shaped state where it has that shape, else its example or generated data), run alone among the
 * session's calls so read-modify-write handlers stay consistent under load. A full session is refused with the
 * limit it reached; a handler that throws is the handler-failed refusal with X-Mock-Error.
 */
import type { HandlerContext } from '../apis/api-module.js';
import { exactJson } from '../contract/exact-json.js';
import type { Operation } from '../contract/types.js';
import type { RequestInput } from '../contract/validate-request.js';
import { asciiJson, ERROR_HEADER } from '../http/mock-headers.js';
import { limitRefusal, REFUSALS } from '../http/refusals.js';
import { errorAnswer, preferredAnswer, successAnswer } from '../answers/examples.js';
import { FakeData, hashSeed } from '../answers/fake-data.js';
import { restAnswer } from '../answers/rest-state.js';
import { StateLimitError, StoreUnavailableError, type SessionStore } from '../state/store.js';
import { refuse } from './refuse.js';
import { fakeOf, headerValue, namesOf, type Answer, type Call, type Walk } from './walk.js';

/** The call's answer from its operation; store failures are thrown on to the walk. */
export async function handle(w: Walk, call: Call, op: Operation): Promise<Answer> {
  const headers = call.headers;
  const prefer = headerValue(call.req.headers['prefer']);
  if (prefer) {
    // The call counter is state: counted under the session's lock, as every write is (without Prefer, by the handler's section).
    const chosen = preferredAnswer(op, prefer, await w.locks.run(call.session, () => Promise.resolve(fakeOf(w, call))));
    if (chosen && 'error' in chosen) return refuse(undefined, REFUSALS.noSuchExample, chosen.error, op, headers);
    if (chosen) return { ...chosen, headers: { ...headers, ...chosen.headers } };
  }
  let result: Answer;
  try {
    result = await w.locks.run(call.session, () =>
      withFake(w, call, (fake) => numbered(w, call, call.session, (c: Call) => run(w, c, op, fake), call)),
    );
  } catch (e) {
    if (e instanceof StoreUnavailableError) throw e;
    if (e instanceof StateLimitError) {
      // A full session: the message says how to fix it.
      call.violations.push({ side: 'request', pointer: '', message: e.message, rule: e.rule });
      result = refuse(op.dialect, limitRefusal(e.rule), `contract-mock: ${e.message}`, op, headers);
    } else {
      w.options.log(`contract-mock: ${op.operationId} failed: ${(e as Error).stack ?? e}`);
      result = refuse(op.dialect, REFUSALS.handlerFailed, undefined, op, {
        ...headers,
        [ERROR_HEADER]: asciiJson(String((e as Error).message)),
      });
    }
  }
  if (call.fault === 'malformed-json') {
    // The server did its work; the answer is cut off on the way (a proxy or a crash mid-write).
    const full = result.text || exactJson.stringify(result.body ?? {});
    return { ...result, text: full.slice(0, Math.max(1, Math.floor(full.length / 2))), unchecked: true };
  }
  return result;
}

/** The operation's handler with the call's context, else its declared answer (no async layer of its own: one promise less a call). */
function run(w: Walk, call: Call, op: Operation, fake: FakeData): Promise<Answer> {
  const handler = w.modules.get(op.api)?.handlers[op.operationId];
  const input = call.input!;
  if (!handler) return declared(w, call, op, input, fake);
  const context = {
    op,
    input,
    headers: call.req.headers,
    session: call.session,
    dialect: op.dialect,
    fake,
    deliver: (d) => call.deliveries.push(d),
    flags: call.flags,
  } satisfies HandlerContext;
  return handler(context).then((body) => ({ status: 200, headers: call.headers, body }));
}

/** No handler: REST-shaped state where the operation has that shape, else its example or data generated from its schema. */
async function declared(w: Walk, call: Call, op: Operation, input: RequestInput, fake: FakeData): Promise<Answer> {
  const headers = call.headers;
  // A document that declares no success response: the mock's answer is its own, not checked against the document.
  const unchecked = !op.responses.has(op.success.status);
  if (op.rest) {
    // Overlay (the default): untouched items exist, their data seeded by session, collection and id (rest-state.ts).
    const itemFake =
      op.rest.strict || w.options.restState === 'strict'
        ? undefined
        : (collection: string, id: string) =>
            new FakeData(hashSeed(w.options.seed, call.sessionId, collection, id), namesOf(w, op.api));
    const outcome = await restAnswer(op, op.rest, input, call.pathname, call.session, fake, itemFake);
    if (outcome.kind === 'answer')
      return { ...outcome.answer, headers: { ...headers, ...outcome.answer.headers }, unchecked };
    const answer =
      outcome.kind === 'missing'
        ? errorAnswer(
            op,
            404,
            'Not Found',
            `${op.api} has no item ${outcome.id} at ${call.pathname} in this session.`,
            fake,
          )
        : errorAnswer(op, 409, 'Conflict', `${op.api} already has an item ${outcome.id} at ${call.pathname}.`, fake);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  }
  const answer = successAnswer(op, fake);
  return { ...answer, headers: { ...headers, ...answer.headers }, unchecked };
}

/** `fn` with the call's fake data, called at once when the session's counter answers at once (no promise in between). */
function withFake<T>(w: Walk, call: Call, fn: (fake: FakeData) => Promise<T>): Promise<T> {
  const fake = fakeOf(w, call);
  return fake instanceof Promise ? fake.then(fn) : fn(fake);
}

/** The handler run under the session's lock, numbered in the session's order of handlers. */
function numbered<A, T>(w: Walk, call: Call, session: SessionStore, run: (arg: A) => Promise<T>, arg: A): Promise<T> {
  const order = w.locks.next(session);
  if (typeof order === 'number') {
    call.order = order;
    return run(arg);
  }
  return order.then((n) => ((call.order = n), run(arg)));
}
