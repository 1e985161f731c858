/**
 * The mock's request pipeline for API calls, one function of stages in order (drawn with each failure branch in
 * docs/architecture/lifecycle.md): receive → match → validate → scenario → handle → respond (shape) → record →
 * respond (send). Each stage is a file of its own with explicit inputs (the Walk, the Call) and outputs (an answer
 * that ends the walk early, or nothing). One walk for every API: what differs is each operation's dialect and
 * handlers. Admin routes (`/__mock`) are not handled here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionLock } from '../state/session-lock.js';
import { StoreUnavailableError } from '../state/store.js';
import { bodyReader } from './body-reader.js';
import { deliverySource, runDeliveries } from './deliveries.js';
import { handle } from './handle.js';
import { match } from './match.js';
import { receive } from './receive.js';
import { record } from './record.js';
import { storeUnavailable } from './refuse.js';
import { send, shape } from './respond.js';
import { scenario } from './scenario.js';
import { validate } from './validate.js';
import { unhold, type Answer, type Call, type PipelineOptions, type Walk } from './walk.js';

export { DEFAULT_LIMITS, DEFAULT_MAX_RESPONSE_BYTES, type Answer, type Limits, type PipelineOptions } from './walk.js';
export { MAX_RECORDED_BODY_BYTES } from './record.js';

/** match → validate → scenario → handle: the answer to a received call, each stage able to end the walk with its own. */
async function answer(w: Walk, call: Call): Promise<Answer> {
  const early = match(w, call);
  if (early) return early;
  const op = call.op!;
  const invalid = validate(w, call, op);
  if (invalid) return invalid;
  let decided = scenario(w, call, op);
  if (decided instanceof Promise) decided = await decided;
  return decided ?? handle(w, call, op);
}

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
      const answered = shape(w, call, await answer(w, call));
      const recorded = record(w, call, answered);
      recording = true;
      const journaled = options.onCall(recorded);
      if (journaled) await journaled;
      // Read before the answer goes out: the socket may close with it, and its local address with it.
      const source = call.deliveries.length ? deliverySource(recorded.id, req) : undefined;
      send(w, call, res, answered);
      if (source) await runDeliveries(w, recorded, call.deliveries, call.mockTime, source);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      storeUnavailable(w, req, res, e, recording);
    } finally {
      // A held slot not handed to a held connection (send) is free again: after a delay's answer, or a failure.
      if (call?.held && !w.hanging.has(res)) unhold(w, call);
    }
  }

  return {
    handle: walk,
    /** Connections held open by the `timeout` fault; closed on shutdown. */
    hanging: (): Set<ServerResponse> => w.hanging,
    /** Answers held on purpose right now (timeout faults and scenario delays; at most --max-held). */
    held: (): number => w.held,
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
