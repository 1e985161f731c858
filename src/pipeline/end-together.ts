/**
 * Answers leave together. The first answer of a turn of the event loop is written at once (a lone call waits for
 * nothing); the others of that turn once its calls are all answered, in its check phase (setImmediate). Written one
 * by one, each answer's write ran the kernel's loopback send and woke the client between two calls: under 50
 * connections that was about 40 % of a call's CPU (bench/README.md, "Answers leave together"). The walk journals
 * the call before its answer is handed here, so an answered call is always in the journal.
 */
import type { ServerResponse } from 'node:http';

const waiting: ServerResponse[] = [];
const payloads: Array<string | Buffer> = [];
let written: { promise: Promise<void>; resolve: () => void } | undefined;
/** Whether an answer went out in this turn already (reset in its check phase). */
let wrote = false;
const turnEnds = (): void => void (wrote = false);

/** Ends `res` (its head written already) with `payload`: at once if it is this turn's first, else with the turn's others. */
export function endTogether(res: ServerResponse, payload: string | Buffer): void {
  if (!wrote) {
    wrote = true;
    setImmediate(turnEnds);
    res.end(payload);
    return;
  }
  if (waiting.push(res) === 1) setImmediate(endAll);
  payloads.push(payload);
}

/** Resolves once the answers waiting now are written (a call's deliveries start after its answer). */
export function answersWritten(): Promise<void> {
  if (!waiting.length) return Promise.resolve();
  if (!written) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    written = { promise, resolve };
  }
  return written.promise;
}

function endAll(): void {
  const ends = waiting.splice(0);
  const bodies = payloads.splice(0);
  const done = written;
  written = undefined;
  for (let i = 0; i < ends.length; i++) {
    try {
      ends[i]!.end(bodies[i]);
    } catch {
      // A connection that fails under the write is closed; the turn's other answers still go out.
      ends[i]!.destroy();
    }
  }
  done?.resolve();
}
