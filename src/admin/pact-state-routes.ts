/**
 * `POST /__mock/pact/states`: the provider-state endpoint a Pact verifier calls before each interaction
 * (`{ state, params, action }`). Setting up a state seeds its params (records, as `POST /__mock/state`
 * takes them) into the caller's session; a teardown changes nothing. Knows nothing of pact files.
 */
import type { Request, Response } from 'express';
import type { JsonObject } from '../contract/types.js';
import type { SeedResult } from '../answers/seed-state.js';
import { sessionOf } from '../http/session-header.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

export interface PactStateEnv {
  exclusive: <T>(session: string, fn: () => Promise<T>) => Promise<T>;
  /** Seeds records into a session, as `POST /__mock/state` does. */
  seed: (session: string, body: unknown) => Promise<SeedResult>;
}

export function pactStateRoutes(env: PactStateEnv): AdminHandlers {
  return { 'POST /pact/states': providerState };

  async function providerState(req: Request, res: Response): Promise<void> {
    const body = (req.body ?? {}) as JsonObject;
    const state = body['state'];
    const action = body['action'] ?? 'setup';
    if (typeof state !== 'string')
      return problem(
        res,
        REFUSALS.badProviderState,
        'Send {"state": NAME, "params": {...}, "action": "setup"|"teardown"} as a Pact verifier does (--provider-states-setup-url http://HOST:PORT/__mock/pact/states).',
      );
    if (action !== 'setup' && action !== 'teardown')
      return problem(
        res,
        REFUSALS.badProviderState,
        `"action" must be "setup" or "teardown", got ${JSON.stringify(action)}.`,
      );
    const session = sessionOf(req);
    // pact-core calls with an empty state for an interaction that names none: nothing to set up.
    if (action === 'teardown' || !state) return void res.json({ session, state, action, written: 0 });
    const params = body['params'];
    // A state without records (written by hand, or by another tool) needs nothing seeded: the session's seed is the state.
    if (
      params === undefined ||
      params === null ||
      (typeof params === 'object' && !Array.isArray(params) && Object.keys(params).length === 0)
    )
      return void res.json({ session, state, action, written: 0 });
    const result = await env.exclusive(session, () => env.seed(session, params));
    if (!result.ok) return problem(res, result.refusal, `Provider state "${state}": ${result.detail}`);
    res.json({ session, state, action, written: result.written });
  }
}
