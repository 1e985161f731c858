/**
 * Live call records as server-sent events (`GET /__mock/events`), for the dashboard and tools. `?session=ID` streams one session, `?session=*` every session;
 * without it, the `X-Mock-Session` session. Each event is `event: call` with the CallRecord as data
 * (sent again, same id, when the call's deliveries settle). At most MAX_EVENT_CLIENTS streams are open at
 * once (the next is answered problem+json 503), and a client that stops reading is dropped once
 * MAX_BUFFERED_BYTES wait for it, so neither many clients nor a paused tab can hold the mock's memory.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Request, Response } from 'express';
import type { CallRecord } from '../journal/call-record.js';
import type { CallJournal } from '../journal/journal.js';
import { sessionOf } from '../http/session-header.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

/**
 * Bytes of events that may wait in memory for one client before it is dropped (60 records at the 64 KB body cap,
 * thousands of small ones). With MAX_EVENT_CLIENTS, at most 256 MB wait in all, when every client watches a
 * different busy session and none reads; clients of one stream share each record's bytes.
 */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Event streams open at once (per instance): dashboards and tools of a whole team, not one per request. */
export const MAX_EVENT_CLIENTS = 64;

export interface EventRouteOptions {
  /** Default MAX_EVENT_CLIENTS. */
  maxClients?: number;
}

export function eventRoutes(journal: CallJournal, options: EventRouteOptions = {}): AdminHandlers {
  const maxClients = options.maxClients ?? MAX_EVENT_CLIENTS;
  let clients = 0;
  // One frame per record, as bytes, shared by every client it goes to: N clients cost one serialisation and one
  // copy of the record, and what waits for a client is counted in bytes (a string's length counts characters,
  // and Chinese text takes two bytes a character in memory: the old 8 MB cap let 17 MB wait per client).
  let lastRecord: CallRecord | undefined;
  let lastFrame: Buffer | undefined;
  const frameOf = (record: CallRecord): Buffer => {
    if (record !== lastRecord) {
      lastFrame = Buffer.from(`id: ${record.id}\nevent: call\ndata: ${exactJson.stringify(record)}\n\n`);
      lastRecord = record;
    }
    return lastFrame!;
  };
  return { 'GET /events': stream };

  async function stream(req: Request, res: Response): Promise<void> {
    if (clients >= maxClients) {
      return problem(
        res,
        REFUSALS.eventClients,
        `${clients} /__mock/events streams are open, the most this instance serves at once (${maxClients}); close a dashboard tab or a tool that streams, or read GET /__mock/calls instead.`,
      );
    }
    clients++;
    // Counted until the stream closes, however it ends (the client leaves, is dropped, or the server stops).
    res.once('close', () => clients--);
    const wanted = typeof req.query['session'] === 'string' ? (req.query['session'] as string) : sessionOf(req);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const unsubscribe = journal.subscribe((record) => {
      if (wanted !== '*' && record.session !== wanted) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        // Not reading: drop it (EventSource reconnects and reloads the journal, so a live client loses nothing).
        unsubscribe();
        res.destroy();
        return;
      }
      res.write(frameOf(record));
    });
    // The hello says the stream is live: every call answered after it (on any instance) follows.
    await journal.listening?.();
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ session: wanted })}\n\n`);
    // A comment every 15 s keeps proxies from closing an idle stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  }
}
