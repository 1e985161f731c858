/** Admin routes for scenarios: list available and active (with hit counts), activate, deactivate. Per session. */
import type { Request, Response } from 'express';
import type { Store } from '../state/store.js';
import { ACTIVE, HITS, hitKey, type ActiveScenario } from '../scenarios/apply-scenarios.js';
import type { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import type { Scenario } from '../scenarios/scenario.js';
import { sessionOf } from '../http/session-header.js';
import type { SeedResult } from '../answers/seed-state.js';
import { problem, REFUSALS } from './problem.js';
import type { AdminHandlers } from './mount-admin-routes.js';

export interface ScenarioRouteOptions {
  registry: ScenarioRegistry;
  store: Store;
  /** Runs `fn` under the session's lock (every write to a session happens under it). */
  exclusive<T>(session: string, fn: () => Promise<T>): Promise<T>;
  /** Seeds a scenario's `given` into a session. */
  seed(session: string, given: Scenario['given']): Promise<SeedResult>;
}

const describe = (s: Scenario, registry: ScenarioRegistry) => ({
  name: s.name,
  description: s.description,
  ...(s.question && { question: s.question }),
  file: registry.shownFile(s.file),
  given: s.given ?? null,
  rules: s.rules.map((r, index) => ({
    index,
    description: r.description ?? null,
    when: r.when,
    ...(r.then && { then: r.then }),
    ...(r.steps && { steps: r.steps }),
    ...(r.times && { times: r.times }),
  })),
});

export async function activeScenarios(store: Store, registry: ScenarioRegistry, session: string) {
  const s = store.session(session);
  const active = (await s.list<ActiveScenario>(ACTIVE)).sort((a, b) => a.activatedAt - b.activatedAt);
  return Promise.all(
    active.map(async (a) => ({
      name: a.name,
      activatedAt: new Date(a.activatedAt).toISOString(),
      known: registry.get(a.name) !== undefined,
      rules: await Promise.all(
        (registry.get(a.name)?.rules ?? []).map(async (r, index) => ({
          index,
          description: r.description ?? null,
          hits: (await s.get<number>(HITS, hitKey(a.name, index))) ?? 0,
        })),
      ),
    })),
  );
}

export function scenarioRoutes(options: ScenarioRouteOptions): AdminHandlers {
  const { registry, store } = options;
  return { 'GET /scenarios': list, 'POST /scenarios/active': activate, 'DELETE /scenarios/active/:name': deactivate };

  async function list(req: Request, res: Response): Promise<void> {
    const session = sessionOf(req);
    res.json({
      session,
      available: registry.list().map((s) => describe(s, registry)),
      active: await activeScenarios(store, registry, session),
    });
  }

  async function activate(req: Request, res: Response): Promise<void> {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || !name)
      return problem(
        res,
        REFUSALS.badActivation,
        'Send {"name": "token-expired"}; GET /__mock/scenarios lists the names.',
      );
    const scenario = registry.get(name);
    if (!scenario)
      return problem(res, REFUSALS.noSuchScenario, `No scenario "${name}"; available: ${registry.names().join(', ')}.`);
    const session = sessionOf(req);
    const failed = await options.exclusive(session, async () => {
      if (scenario.given) {
        const seeded = await options.seed(session, scenario.given);
        if (!seeded.ok) return seeded.detail;
      }
      const s = store.session(session);
      if (!(await s.get(ACTIVE, name)))
        await s.put<ActiveScenario>(ACTIVE, name, {
          name,
          activatedAt: Date.now() + (await s.nextSeq('mock:activation')) / 1000,
        });
      return undefined;
    });
    if (failed !== undefined)
      return problem(res, REFUSALS.scenarioSeed, `${registry.shownFile(scenario.file)}: given: ${failed}`);
    res.status(201).json({ session, active: await activeScenarios(store, registry, session) });
  }

  async function deactivate(req: Request, res: Response): Promise<void> {
    const session = sessionOf(req);
    const s = store.session(session);
    const name = req.params['name'] as string;
    const was = await options.exclusive(session, async () => {
      if (!(await s.delete(ACTIVE, name))) return false;
      // Deactivating forgets the rules' counters: activating again starts the sequence over.
      for (const [index] of (registry.get(name)?.rules ?? []).entries()) await s.delete(HITS, hitKey(name, index));
      return true;
    });
    if (!was) return problem(res, REFUSALS.notActive, `Scenario "${name}" is not active in session "${session}".`);
    res.json({ session, active: await activeScenarios(store, registry, session) });
  }
}
