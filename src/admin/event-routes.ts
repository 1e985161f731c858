/**
 * Live call records as server-sent events (`GET /__mock/events`), for the dashboard and tools, and the
 * list of sessions the mock holds. `?session=ID` streams one session, `?session=*` every session;
 * without it, the `X-Mock-Session` session. Each event is `event: call` with the CallRecord as data
 * (sent again, same id, when the call's deliveries settle). A client that stops reading is dropped
 * once MAX_BUFFERED_BYTES wait for it, so a paused tab cannot hold the mock's memory.
 */
import { exactJson } from '../contract/exact-json.js';
import type { Request, Response, Router } from 'express';
import type { CallJournal } from '../journal/journal.js';
import type { Store } from '../state/store.js';
import { sessionOf } from '../mock/pipeline.js';

/** What may wait in memory for one events client before it is dropped (several hundred records at the 64 KB body cap). */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function eventRoutes(router: Router, journal: CallJournal, store: Store): void {
  router.get('/events', async (req: Request, res: Response) => {
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
      res.write(`id: ${record.id}\nevent: call\ndata: ${exactJson.stringify(record)}\n\n`);
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
  });

  router.get('/sessions', async (_req, res) => {
    res.json({ sessions: (await store.sessionIds()).sort(), journal: await journal.stats() });
  });
}
