/**
 * `verify` with a flow derived from x-mock-state, over real sockets: against a mock serving the roster fixture every
 * derived step passes; against a served copy that drifted (its delete answers another missing code, its error
 * envelope renames a field) the run fails and names the step.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { verifyTarget } from '../../src/verify/verify-target.js';
import { listen } from '../helpers/listen.js';
import { servedContract, servedMock } from '../helpers/served.js';

const roster = join(packageRoot(), 'test', 'verify', 'fixtures', 'roster.openapi.yaml');
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A mock serving `file` on a free loopback port. */
async function serving(file: string): Promise<string> {
  const mock = await servedMock([file]);
  const server = createServer(mock.listener);
  servers.push(server);
  return listen(server);
}

/** A copy of the fixture with each `[from, to]` replaced (each must occur). */
function drifted(...edits: Array<[string, string]>): string {
  let text = readFileSync(roster, 'utf8');
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`the fixture has no ${from}`);
    text = text.replace(from, to);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'cm-drift-')), 'roster.openapi.yaml');
  writeFileSync(file, text);
  return file;
}

async function verifyRoster(target: string) {
  const report = await verifyTarget(await servedContract([roster]), {
    target,
    apis: ['roster'],
    seed: 7,
    concurrency: 2,
    generated: 0,
    credentials: {},
    session: 'derived',
    timeoutMs: 5000,
  });
  const flow = report.checks.filter((c) => c.kind === 'flow');
  return { report, flow, failed: flow.filter((c) => !c.ok) };
}

describe('verify runs the flow derived from x-mock-state', () => {
  test('against a mock serving the declared document: every step passes', async () => {
    const { flow, failed } = await verifyRoster(await serving(roster));
    expect(failed.map((c) => [c.name, c.failures])).toEqual([]);
    expect(flow.map((c) => c.name)).toEqual([
      'roster flow: issue a token',
      'roster flow: upsert a schools record',
      'roster flow: create a students record',
      'roster flow: create it again: 4090',
      'roster flow: read the students record',
      'roster flow: create a students record naming a missing schools: 4041',
      'roster flow: an unknown token: 4010',
      'roster flow: a wrong appSecret: 4011',
      'roster flow: renew the token',
      'roster flow: delete the students record',
      'roster flow: delete it again: 4042',
      'roster flow: read it after the delete: 4042',
    ]);
  });

  test('a served copy whose delete answers another missing code fails at that step', async () => {
    const copy = drifted(
      ['key: path.studentId, missing: "4042"', 'key: path.studentId, missing: "4041"'],
      [
        'x-codes: ["0", "4000", "4010", "4042", "5000"]\n      x-auth: { in: body',
        'x-codes: ["0", "4000", "4010", "4041", "5000"]\n      x-auth: { in: body',
      ],
    );
    const { failed } = await verifyRoster(await serving(copy));
    expect(failed.map((c) => c.name)).toEqual(['roster flow: delete it again: 4042']);
    expect(failed[0]!.failures.map((f) => f.message)).toContainEqual(
      'expected business code 4042 (学生不存在), got 4041',
    );
  });

  test('a served copy whose error envelope renames msg fails at every refusal step', async () => {
    const copy = drifted([
      'error: { ret: "{{code:int}}", msg: "{{message}}"',
      'error: { ret: "{{code:int}}", message: "{{message}}"',
    ]);
    const { failed } = await verifyRoster(await serving(copy));
    expect(failed.map((c) => c.name)).toContain('roster flow: create it again: 4090');
    expect(failed.map((c) => c.name)).not.toContain('roster flow: create a students record');
  });
});
