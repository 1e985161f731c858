/**
 * The built-in APIs' declarations derive flows too: platform-sync's derived flow checks every operation and outcome
 * its hand-written flow checks, and passes against the mock (so the hand-written one could be dropped); the others
 * keep theirs (wuhan-eduyun declares no write, ios-datasyn no declarations, wx-push only an update: its creates are
 * code).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { platformSyncFlow } from '../../src/apis/platform-sync/verify-flow.js';
import { compileContract } from '../../src/contract/compile-contract.js';
import { loadSpecs } from '../../src/contract/load-specs.js';
import { deriveFlow } from '../../src/verify/derive-flow.js';
import { verifyTarget } from '../../src/verify/verify-target.js';
import { listen } from '../helpers/listen.js';
import { servedMock } from '../helpers/served.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

describe('flows derived from the built-in specs', () => {
  test("platform-sync's derived flow covers each operation and outcome of the hand-written one", async () => {
    const contract = compileContract(await loadSpecs());
    const derived = deriveFlow(contract.apis.get('platform-sync')!)!;
    const covered = new Set(derived.steps.map((s) => `${s.operationId} ${s.expect}`));
    expect(platformSyncFlow.steps.map((s) => `${s.operationId} ${s.expect}`).filter((s) => !covered.has(s))).toEqual(
      [],
    );
    for (const api of ['wuhan-eduyun', 'ios-datasyn', 'wx-push'])
      expect(deriveFlow(contract.apis.get(api)!), api).toBeUndefined();
  });

  test("platform-sync's derived flow passes against the mock", async () => {
    const mock = await servedMock([]);
    const server = createServer(mock.listener);
    servers.push(server);
    const report = await verifyTarget(mock.contract ?? compileContract(await loadSpecs()), {
      target: await listen(server),
      apis: ['platform-sync'],
      modules: [],
      seed: 3,
      concurrency: 2,
      generated: 0,
      credentials: {},
      session: 'derived-platform-sync',
      timeoutMs: 5000,
    });
    const flow = report.checks.filter((c) => c.kind === 'flow');
    expect(flow.length).toBeGreaterThan(platformSyncFlow.steps.length);
    expect(flow.filter((c) => !c.ok).map((c) => [c.name, c.failures.map((f) => f.message)])).toEqual([]);
  });
});
