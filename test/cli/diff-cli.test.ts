/** contract-mock diff end to end: exit codes, --journal and --url narrowing, --strict, --json and --junit files. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultSpecsDir, packageRoot } from '../../src/contract/load-specs.js';
import { exactJson } from '../../src/contract/exact-json.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const dir = mkdtempSync(join(tmpdir(), 'cm-diff-cli-'));
const oldFile = join(defaultSpecsDir(), 'platform-sync.openapi.yaml');

function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, 'diff', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** An edited copy of platform-sync: `expires_in` dropped from the token (the flow reads it), a code added to a delete the flow never calls. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, edited by path below
function edited(name: string, edit: (d: any) => void): string {
  const doc = parse(readFileSync(oldFile, 'utf8'));
  edit(doc);
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}
const usedChange = edited('used.yaml', (d) => delete d.components.schemas.TokenData.properties.expires_in);
const unusedChange = edited('unused.yaml', (d) =>
  d.paths['/v1/abutment/syncDeleteUserMetadata/{uid}'].post['x-codes'].push('500'),
);
const harmless = edited(
  'harmless.yaml',
  (d) => (d.components.schemas.SaveSchoolRequest.properties.organName.description = 'school name'),
);

let m: Awaited<ReturnType<typeof testMock>>;
let url: string;
const journal = join(dir, 'journal.ndjson');
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
  await request(m.listener)
    .post('/v1/channel/token')
    .set('X-Mock-Session', 'qa')
    .send({ appid: 'demo-app', secret: 'demo-secret' });
  writeFileSync(journal, m.calls.map((c) => exactJson.stringify(c)).join('\n') + '\n{"torn":\n');
});
afterAll(() => {
  m.close();
  m.server.close();
});

describe('contract-mock diff', () => {
  test('a breaking change the recorded calls use: exit 1, "used by 1 recorded call" with the example call', async () => {
    const r = await run([
      oldFile,
      usedChange,
      '--journal',
      journal,
      '--json',
      join(dir, 'used.json'),
      '--junit',
      join(dir, 'used.xml'),
    ]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      'BREAKING channelToken: response /data/expires_in: field removed · used by 1 recorded call, e.g. POST /v1/channel/token',
    );
    expect(r.stdout).toContain(
      'old /components/schemas/TokenData/properties/expires_in  new /components/schemas/TokenData/properties',
    );
    const json = JSON.parse(readFileSync(join(dir, 'used.json'), 'utf8'));
    expect(json).toMatchObject({ api: 'platform-sync', recordedCalls: 1, breaking: 1, usedBreaking: 1 });
    expect(json.changes[0]).toMatchObject({
      kind: 'response-field-removed',
      usedBy: 1,
      example: { method: 'POST', path: '/v1/channel/token' },
    });
    expect(readFileSync(join(dir, 'used.xml'), 'utf8')).toMatch(/<failure[^>]*type="response-field-removed"/);
  });

  test('a breaking change no recorded call uses: "not used", exit 0; --strict makes it exit 1', async () => {
    const r = await run([oldFile, unusedChange, '--journal', journal]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('BREAKING syncDeleteUserMetadata: may now answer business code 500 · not used');
    expect((await run([oldFile, unusedChange, '--journal', journal, '--strict'])).status).toBe(1);
  });

  test('--journal FILE --session S narrows to that session of the file', async () => {
    expect((await run([oldFile, usedChange, '--journal', journal, '--session', 'qa'])).status).toBe(1);
    const other = await run([oldFile, usedChange, '--journal', journal, '--session', 'nobody']);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('narrowed to 0 recorded calls');
  });

  test('--url --session reads the journal of a running mock; another session has no calls, so nothing is used', async () => {
    expect((await run([oldFile, usedChange, '--url', url, '--session', 'qa'])).status).toBe(1);
    const other = await run([oldFile, usedChange, '--url', url, '--session', 'nobody']);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('not used');
  });

  test('without recorded calls every breaking change counts; a description edit never fails', async () => {
    expect((await run([oldFile, unusedChange])).status).toBe(1);
    const r = await run([oldFile, harmless]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ok       syncSaveOrganMetadata: request /organName: description edited');
  });

  test('mistakes are one line and exit 2', async () => {
    const missing = await run([oldFile, join(dir, 'nope.yaml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/NEW .*nope\.yaml: no such file/);
    writeFileSync(join(dir, 'not-openapi.yaml'), 'hello: world\n');
    const bad = await run([oldFile, join(dir, 'not-openapi.yaml')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('is not an OpenAPI 3.x document');
    expect((await run([oldFile, usedChange, '--journal', journal, '--url', url])).status).toBe(2);
  });
});
