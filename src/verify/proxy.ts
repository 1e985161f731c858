/**
 * The validating proxy: forwards every request to a real server, checks request and response
 * against the contract, journals both through the same admin API as the mock (`/__mock/calls`,
 * `/violations`, `/verify`, `/events` ...), and can save the traffic as a replayable scenario file.
 */
import { requestTarget } from '../http/request-target.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Express } from 'express';
import type { Contract } from '../contract/compile-contract.js';
import { journalRoutes } from '../admin/journal-routes.js';
import { eventRoutes } from '../admin/event-routes.js';
import { mountAdminRoutes } from '../admin/mount-admin-routes.js';
import { sessionRoutes } from '../admin/state-routes.js';
import { writeRefusal } from '../http/problem.js';
import { REFUSALS } from '../http/refusals.js';
import { adminGuard, isAdminPath, type AdminGuardOptions } from '../admin/admin-guard.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import { SecretMask } from '../journal/secret-mask.js';
import { Journal, DEFAULT_JOURNAL, type JournalOptions } from '../journal/journal.js';
import { MemoryStore } from '../state/memory-store.js';
import { StoreUnavailableError, systemClock } from '../state/store.js';
import type { CallRecord } from '../journal/call-record.js';
import { packageVersion } from '../server/package-version.js';
import { createPipeline, DEFAULT_LIMITS } from '../pipeline/index.js';
import { trafficRecorder } from './traffic-recorder.js';

export interface ProxyOptions {
  contract: Contract;
  target: string;
  journal?: Partial<JournalOptions>;
  /** Save the traffic as a scenario file that replays the recorded answers in order (0600, secrets masked). */
  record?: string;
  /** Record secrets and tokens as sent (proxy --keep-secrets), for a recording meant to replay real credentials. */
  keepSecrets?: boolean;
  /** Largest request body forwarded, and most of an upstream answer buffered to validate it (larger ones are relayed as they stream, unvalidated). */
  maxBodyBytes?: number;
  /** Longest wait for the upstream's whole answer. */
  timeoutMs?: number;
  /** Most calls in flight at once (waiting on the upstream or relaying its answer); each past it is answered at once (X-Mock-Limit: max-held). */
  maxHeld?: number;
  log?: (message: string) => void;
  /** The same admin-API guards as serve: token, CORS origins, accepted Host names, the listen address. */
  guard?: AdminGuardOptions;
}

export const DEFAULT_PROXY_MAX_BODY = 10 * 1024 * 1024;
export const DEFAULT_PROXY_MAX_HELD = 256;

/** The proxy's admin API: the route table's journal, event and session rows, and health (the proxy's own). */
function proxyAdmin(target: string, journal: Journal, sessions: MemoryStore, contract: Contract): Express {
  // express is required here, not imported: `import ... from 'contract-mock'` (startMock) does not load it.
  const express = createRequire(import.meta.url)('express') as typeof import('express');
  const admin = express();
  admin.disable('x-powered-by');
  const router = express.Router();
  router.use(express.json({ limit: '5mb' }));
  // The route table's journal rows, and health (the proxy's own); ready and csrf are answered in front (listener, guard).
  mountAdminRoutes(
    router,
    {
      'GET /health': (_req, res) =>
        void res.json({ status: 'ok', mode: 'proxy', target, version: packageVersion(), journal: journal.stats() }),
      ...journalRoutes(journal, packageVersion(), new Set(contract.operations.map((op) => op.operationId))),
      ...eventRoutes(journal),
      ...sessionRoutes(sessions, journal),
    },
    {
      complete: false,
      notFound: (req, list) => `${req.method} /__mock${req.path} is not served by the proxy (it serves ${list}).`,
    },
  );
  admin.use('/__mock', router);

  return admin;
}

export function createProxy(options: ProxyOptions): {
  server: Server;
  journal: Journal;
  listener: (req: IncomingMessage, res: ServerResponse) => void;
} {
  const { contract } = options;
  const target = options.target.replace(/\/+$/, '');
  const journal = new Journal({
    ...DEFAULT_JOURNAL,
    mask: new SecretMask(undefined, options.contract.secretNames),
    ...options.journal,
  });
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  /** Sessions seen (X-Mock-Session), as the mock keeps them: the proxy's calls and GET /__mock/sessions. */
  const sessions = new MemoryStore({
    clock: systemClock,
    seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }),
  });

  const admin = proxyAdmin(target, journal, sessions, contract);

  /** Journals a relayed call; one its --journal file could not take (a full disk) is not kept, and health's journal.fileError says why. */
  function keep(record: CallRecord): void {
    try {
      journal.append(record);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
    }
  }

  const maxBody = options.maxBodyBytes ?? DEFAULT_PROXY_MAX_BODY;
  const onForwarded = options.record
    ? trafficRecorder(options.record, target, contract, options.keepSecrets ?? false)
    : undefined;
  // The proxy is the mock's pipeline with forward in place of scenario and handle: one receive, validate and record.
  const pipeline = createPipeline({
    contract,
    modules: new Map(),
    store: sessions,
    seed: 0,
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: maxBody, maxHeld: options.maxHeld ?? DEFAULT_PROXY_MAX_HELD },
    delivery: { timeoutMs: 0, maxBodyBytes: 0, maxPerCall: 0 },
    onCall: keep,
    log,
    sleep: () => Promise.resolve(),
    corsHeaders: () => [],
    forward: {
      target,
      timeoutMs: options.timeoutMs ?? 30_000,
      onForwarded,
      onRelayed: (call, bytes) =>
        options.record &&
        log(
          `contract-mock proxy: ${call.method} ${requestTarget(call.req).url} not recorded: its ${bytes}-byte answer is over --max-body (${maxBody} bytes)`,
        ),
    },
  });

  const guard = adminGuard(options.guard ?? {});
  const failed = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    log(`contract-mock proxy: failed on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) return void res.destroy();
    if (isAdminPath(req.url ?? ''))
      return writeRefusal(
        res,
        REFUSALS.adminFailed,
        `contract-mock proxy failed on ${req.method} ${(req.url ?? '').split('?')[0]}; the error is in its log.`,
      );
    res.statusCode = 500;
    res.end();
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      if (isAdminPath(req.url ?? '')) {
        if (isReadyRequest(req)) return answerReady(res, true); // no store to lose: ready while it listens
        const admitted = guard(req, res);
        if (admitted.answered) return;
        for (let i = 0; i < admitted.cors.length; i += 2) res.setHeader(admitted.cors[i]!, admitted.cors[i + 1]!);
        return void admin(req, res);
      }
      pipeline.handle(req, res).catch((e: unknown) => failed(req, res, e));
    } catch (e) {
      failed(req, res, e);
    }
  };
  return { server: createServer(listener), journal, listener };
}
