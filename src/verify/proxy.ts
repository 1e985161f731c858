/**
 * The validating proxy: forwards every request to a real server, checks request and response
 * against the contract, journals both through the same admin API as the mock (`/__mock/calls`,
 * `/violations`, `/verify`, `/events` ...), and can save the traffic as a replayable scenario file.
 */
import { requestTarget } from '../http/request-target.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename } from 'node:path';
import express from 'express';
import { stringify as toYaml } from 'yaml';
import type { Contract } from '../contract/compile-contract.js';
import type { JsonObject, Operation } from '../contract/types.js';
import { journalRoutes } from '../admin/journal-routes.js';
import { eventRoutes } from '../admin/event-routes.js';
import { mountAdminRoutes } from '../admin/mount-admin-routes.js';
import { sessionRoutes } from '../admin/state-routes.js';
import { writeRefusal } from '../http/problem.js';
import { REFUSALS } from '../http/refusals.js';
import { adminGuard, isAdminPath, type AdminGuardOptions } from '../admin/admin-guard.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import { SecretMask } from '../journal/secret-mask.js';
import { OutputMask } from '../journal/output-mask.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import { Journal, DEFAULT_JOURNAL, type JournalOptions } from '../journal/journal.js';
import { MemoryStore } from '../state/memory-store.js';
import { StoreUnavailableError, systemClock } from '../state/store.js';
import type { CallRecord } from '../journal/call-record.js';
import { packageVersion } from '../server/package-version.js';
import type { Rule } from '../scenarios/scenario.js';
import { createPipeline, DEFAULT_LIMITS } from '../pipeline/index.js';
import type { ForwardOptions } from '../pipeline/forward.js';

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

/** The request predicates a recorded rule replays on: operation, path, query, and the body's scalar fields but tokens. */
function recordedWhen(op: Operation, path: string, query: JsonObject, body: JsonObject | undefined): Rule['when'] {
  const tokenField = op.auth?.name;
  const scalars = (o: JsonObject | undefined): JsonObject | undefined => {
    if (!o) return undefined;
    const out = Object.fromEntries(
      Object.entries(o).filter(
        ([k, v]) => k !== tokenField && k !== 'access_token' && (v === null || typeof v !== 'object'),
      ),
    );
    return Object.keys(out).length ? out : undefined;
  };
  const q = scalars(query);
  const b = scalars(body);
  return { operationId: op.operationId, path, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'];
}

/**
 * The answer a recorded rule replays: the upstream's status and its one Content-Type; the body as parsed
 * JSON when it parsed, else the text as sent (an HTML gateway page, text/plain, broken JSON), `` for none.
 */
function recordedThen(
  status: number,
  contentType: string | undefined,
  text: string,
  parsed: unknown,
): NonNullable<Rule['then']> {
  if (text === '') return { status, body: '' };
  const headers = { 'content-type': contentType ?? 'application/octet-stream' };
  return { status, body: typeof parsed === 'string' ? text : parsed, headers };
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
  const recorded: Rule[] = [];
  /** Sessions seen (X-Mock-Session), as the mock keeps them: the proxy's calls and GET /__mock/sessions. */
  const sessions = new MemoryStore({
    clock: systemClock,
    seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }),
  });

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
      ...journalRoutes(journal, packageVersion(), new Set(options.contract.operations.map((op) => op.operationId))),
      ...eventRoutes(journal),
      ...sessionRoutes(sessions, journal),
    },
    {
      complete: false,
      notFound: (req, list) => `${req.method} /__mock${req.path} is not served by the proxy (it serves ${list}).`,
    },
  );
  admin.use('/__mock', router);

  /** Journals a relayed call; one its --journal file could not take (a full disk) is not kept, and health's journal.fileError says why. */
  function keep(record: CallRecord): void {
    try {
      journal.append(record);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
    }
  }

  function saveRecording(): void {
    if (!options.record) return;
    const name =
      basename(options.record)
        .replace(/\.ya?ml$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+/, '') || 'recorded';
    const scenario = {
      name,
      description: `Traffic recorded by contract-mock proxy from ${target}; replays each answer once, in order.`,
      rules: recorded,
    };
    writePrivateFile(options.record, toYaml(scenario, { lineWidth: 0 }));
  }
  const recordMask = options.keepSecrets ? undefined : new OutputMask(new SecretMask(undefined, contract.secretNames));
  /**
   * A rule as the recording keeps it: unless --keep-secrets, its predicates leave out every field holding a secret
   * (so the rule matches whatever secret a replaying client sends) and its answer and description are masked.
   */
  function recordedRule(rule: Rule): Rule {
    if (!recordMask) return rule;
    const kept = (o: JsonObject | undefined): JsonObject | undefined => {
      if (!o) return undefined;
      const out = Object.fromEntries(Object.entries(o).filter(([k, v]) => recordMask.value({ [k]: v })[k] === v));
      return Object.keys(out).length ? out : undefined;
    };
    const { query, body, ...when } = rule.when as Rule['when'] & { query?: JsonObject; body?: JsonObject };
    const q = kept(query);
    const b = kept(body);
    return {
      ...rule,
      description: recordMask.text(rule.description ?? ''),
      when: { ...when, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'],
      then: recordMask.value(rule.then),
    };
  }

  const maxBody = options.maxBodyBytes ?? DEFAULT_PROXY_MAX_BODY;
  /** The --record rule for a call the upstream answered whole. */
  const onForwarded: ForwardOptions['onForwarded'] = (call, up) => {
    const op = call.op;
    if (!options.record || !op || !call.input) return;
    const { url } = requestTarget(call.req);
    recorded.push(
      recordedRule({
        description: `${call.method} ${url} → ${up.status}${up.code ? ` (code ${up.code})` : ''}, recorded ${call.time}`,
        when: recordedWhen(op, call.pathname, call.input.query, call.input.body),
        then: recordedThen(up.status, up.contentType, up.text, up.body),
        times: 1,
      }),
    );
    saveRecording();
  };
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
