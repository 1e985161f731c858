/**
 * The request pipeline for API calls, one function of stages in order (drawn with each failure branch in
 * docs/architecture/lifecycle.md): receive → match → validate → scenario → handle → respond (shape) → record →
 * respond (send). Each stage is a file of its own with explicit inputs (the Walk, the Call) and outputs (an answer
 * that ends the walk early, or nothing). One walk for every API: what differs is each operation's dialect and
 * handlers. The proxy is the same pipeline with forward in place of scenario and handle. Admin routes (`/__mock`)
 * are not handled here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Contract } from '../contract/compile-contract.js';
import { sessionLock } from '../state/session-lock.js';
import { StoreUnavailableError } from '../state/store.js';
import { bodyReader } from './body-reader.js';
import { deliverySource, runDeliveries } from './deliveries.js';
import { answersWritten } from './end-together.js';
import { handle } from './handle.js';
import { match } from './match.js';
import { receive } from './receive.js';
import { record } from './record.js';
import { storeUnavailable } from './refuse.js';
import { send, shape } from './respond.js';
import { scenario } from './scenario.js';
import { validate } from './validate.js';
import { forward, type ForwardOptions } from './forward.js';
import { refuse } from './refuse.js';
import { REFUSALS } from '../http/refusals.js';
import { withViolations } from './respond.js';
import { dialectOf, unhold, type Answer, type Call, type PipelineOptions, type Walk } from './walk.js';

export { DEFAULT_LIMITS, DEFAULT_MAX_RESPONSE_BYTES, type Answer, type Limits, type PipelineOptions } from './walk.js';
export { MAX_RECORDED_BODY_BYTES } from './record.js';

/**
 * match → validate → scenario → handle: the answer to a received call, each stage able to end the walk with its own.
 * Not an async function: the handler's promise is returned as it is (an async frame resolving with it cost a promise
 * and two more turns of the microtask queue a call), and an answer decided early comes back without one.
 */
function answer(w: Walk, call: Call): Answer | Promise<Answer> {
  const early = match(w, call);
  if (early) return early;
  const op = call.op!;
  const invalid = validate(w, call, op);
  if (invalid) return invalid;
  const decided = scenario(w, call, op);
  if (decided instanceof Promise) return decided.then((d) => d ?? handle(w, call, op));
  return decided ?? handle(w, call, op);
}

/**
 * The proxy's answer: match and validate only note what the call does wrong (the upstream answers it, as a real
 * server would), but a body over --max-body is not forwarded; past --max-held calls waiting on the upstream, one is
 * refused at once. Else forward, with the upstream's answer checked against the contract.
 */
async function forwarded(
  w: Walk,
  call: Call,
  res: ServerResponse,
  f: ForwardOptions,
): Promise<{ answer: Answer; sent: boolean }> {
  match(w, call);
  const op = call.op;
  const refused = op ? validate(w, call, op) : undefined;
  if (call.body.tooLarge) {
    if (!op)
      call.violations.push({
        side: 'request',
        pointer: '/body',
        message: `body of ${call.body.bytes} bytes is over the ${w.limits.maxBodyBytes}-byte limit`,
        rule: 'max-body',
      });
    const answer =
      refused ??
      refuse(
        undefined,
        REFUSALS.bodyTooLarge,
        `contract-mock proxy: body of ${call.body.bytes} bytes is over the ${w.limits.maxBodyBytes}-byte --max-body limit; not forwarded`,
      );
    return { answer: withAnswerViolations(call, answer), sent: false };
  }
  if (w.held >= w.limits.maxHeld) {
    const message = `contract-mock proxy: ${w.limits.maxHeld} calls are already in flight to ${f.target} (--max-held); this one is answered at once, retry it later`;
    return {
      answer: withAnswerViolations(call, refuse(dialectOf(w, call.api), REFUSALS.maxHeld, message, op)),
      sent: false,
    };
  }
  w.held++;
  try {
    return await forward(w, call, res, f);
  } finally {
    w.held--;
  }
}

const withAnswerViolations = (call: Call, answer: Answer): Answer => (withViolations(call, answer), answer);

export function createPipeline(options: PipelineOptions) {
  const w: Walk = {
    options,
    contract: options.contract,
    modules: options.modules,
    limits: options.limits,
    locks: options.locks ?? sessionLock(),
    bodies: bodyReader(options.limits.requestTimeoutMs),
    pending: new Set(),
    hanging: new Set(),
    held: 0,
    keepBodies: options.forward !== undefined,
  };

  /**
   * One API call's walk. The record is journaled before the answer is sent, so whoever got the answer finds the
   * call in the journal (on disk, or in Redis for every instance; kill -9 right after loses nothing); delivery
   * outcomes follow once they settle. A store that fails mid-walk is the store-unavailable refusal.
   */
  async function walk(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let recording = false;
    let call: Call | undefined;
    try {
      call = await receive(w, req, res);
      if (!call) return;
      let answered = answer(w, call);
      if (answered instanceof Promise) answered = await answered;
      answered = shape(w, call, answered);
      const recorded = record(w, call, answered);
      recording = true;
      const journaled = options.onCall(recorded);
      if (journaled) await journaled;
      // Read before the answer goes out: the socket may close with it, and its local address with it.
      const source = call.deliveries.length ? deliverySource(recorded.id, req) : undefined;
      send(w, call, res, answered);
      if (source) {
        // Deliveries start once the answer went out (end-together.ts).
        const { deliveries, mockTime } = call;
        await answersWritten();
        await runDeliveries(w, recorded, deliveries, mockTime, source);
      }
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      storeUnavailable(w, req, res, e, recording);
    } finally {
      // A held slot not handed to a held connection (send) is free again: after a delay's answer, or a failure.
      if (call?.held && !w.hanging.has(res)) unhold(w, call);
    }
  }

  /** The proxy's walk: receive → forward (match, validate, the upstream) → record → respond (send, unless relayed). */
  async function forwardWalk(req: IncomingMessage, res: ServerResponse, f: ForwardOptions): Promise<void> {
    const call = await receive(w, req, res);
    if (!call) return;
    const { answer, sent } = await forwarded(w, call, res, f);
    const journaled = options.onCall(record(w, call, answer));
    if (journaled) await journaled;
    if (!sent && !res.destroyed) send(w, call, res, answer);
  }

  const forwarding = options.forward;
  return {
    handle: forwarding ? (req: IncomingMessage, res: ServerResponse) => forwardWalk(req, res, forwarding) : walk,
    /** Connections held open by the `timeout` fault; closed on shutdown. */
    hanging: (): Set<ServerResponse> => w.hanging,
    /** Answers held on purpose right now (timeout faults and scenario delays; at most --max-held). */
    held: (): number => w.held,
    /** Serves another contract from the next call on (a `--spec` file reloaded on edit); calls under way finish with theirs. */
    useContract(next: Contract): void {
      w.contract = next;
    },
    /** Stops the pipeline's timers (the server is closing). */
    close(): void {
      w.bodies.close();
    },
    /** Resolves when every outgoing delivery started so far has settled (tests, graceful shutdown). */
    async settled(): Promise<void> {
      while (w.pending.size) await Promise.allSettled([...w.pending]);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
