/** Reads request bodies with one sweep timer for every read in progress; knows nothing of operations or answers. */
import type { IncomingMessage } from 'node:http';

export interface BodyRead {
  text: string | undefined;
  /** The bytes, kept only for a body in a declared charset other than UTF-8 (decode-body.ts). */
  raw?: Buffer;
  bytes: number;
  tooLarge: boolean;
  timedOut?: boolean;
}

/** A body being read, and when it must have arrived: a link in the list of reads in progress. */
interface BodyWait {
  deadline: number;
  bytes: number;
  /** Unset once the read has finished. */
  resolve: ((read: BodyRead) => void) | undefined;
  prev: BodyWait | undefined;
  next: BodyWait | undefined;
}

/**
 * Reads request bodies, answering a client that stops sending mid-body instead of holding its call
 * forever. One sweep timer serves every read in progress: a timer per request was a measurable share
 * of a small call's cost (bench/README.md). Every read has the same time limit, so deadlines come in
 * arrival order: reads in progress form a list, oldest first, that a finished read leaves at once
 * (so it is garbage while still young).
 */
export function bodyReader(timeoutMs: number) {
  let oldest: BodyWait | undefined;
  let newest: BodyWait | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearInterval(sweeper);
    sweeper = undefined;
  };
  const finish = (wait: BodyWait, read: BodyRead): void => {
    const resolve = wait.resolve;
    if (!resolve) return;
    wait.resolve = undefined;
    if (wait.prev) wait.prev.next = wait.next;
    else oldest = wait.next;
    if (wait.next) wait.next.prev = wait.prev;
    else newest = wait.prev;
    wait.prev = wait.next = undefined;
    resolve(read);
  };
  const sweep = (): void => {
    const now = performance.now();
    while (oldest && oldest.deadline <= now)
      finish(oldest, { text: undefined, bytes: oldest.bytes, tooLarge: false, timedOut: true });
    if (!oldest) stop();
  };
  return {
    read(req: IncomingMessage, max: number, keepRaw = false): Promise<BodyRead> {
      return new Promise((resolve) => {
        let first: Buffer | undefined;
        let chunks: Buffer[] | undefined;
        let tooLarge = false;
        const wait: BodyWait = {
          deadline: performance.now() + timeoutMs,
          bytes: 0,
          resolve,
          prev: newest,
          next: undefined,
        };
        if (newest) newest.next = wait;
        else oldest = wait;
        newest = wait;
        sweeper ??= setInterval(sweep, Math.max(5, Math.min(1000, timeoutMs / 4))).unref();
        req.on('data', (chunk: Buffer) => {
          wait.bytes += chunk.length;
          // Past the limit the rest is read and dropped, so the client still gets its answer.
          if (wait.bytes > max) tooLarge = true;
          else if (!first) first = chunk;
          else (chunks ??= [first]).push(chunk);
        });
        req.on('end', () => {
          const buffer = !wait.bytes || tooLarge ? undefined : chunks ? Buffer.concat(chunks) : first!;
          finish(wait, {
            text: buffer?.toString('utf8'),
            bytes: wait.bytes,
            tooLarge,
            raw: keepRaw ? buffer : undefined,
          });
        });
        req.on('error', () => finish(wait, { text: undefined, bytes: wait.bytes, tooLarge }));
      });
    },
    /** Stops the sweep timer (the server is closing). */
    close: stop,
  };
}

export type BodyReader = ReturnType<typeof bodyReader>;
