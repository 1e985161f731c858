/**
 * The QA guide's script, run as written: its code block is taken from docs/guides/qa-scenarios.md (the README links
 * it), `contract-mock/client` resolved to
 * this build, and run by node against a real mock with a sample client (gets a token, meets the expired token, gets
 * a new one). A client that does not recover makes the script fail with a readable message.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { listen } from '../helpers/listen.js';
import { testMock } from '../helpers/mock.js';

const root = packageRoot();
let url: string;
let m: Awaited<ReturnType<typeof testMock>>;
beforeAll(async () => {
  m = await testMock();
  url = await listen(m.server);
});
afterAll(() => m.server.close());

/** The first ```ts block under the QA guide's "A QA script with the typed client" heading. */
function readmeScript(): string {
  const readme = readFileSync(join(root, 'docs', 'guides', 'qa-scenarios.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A QA script with the typed client'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/guides/qa-scenarios.md: no ts block under "A QA script with the typed client"');
  return block[1]!;
}

/** A sample app: `recovers` false is a client that keeps using its expired token. */
const sampleClient = (recovers: boolean): string => `
const BASE = ${JSON.stringify('http://127.0.0.1:4010')};
let token;
const post = async (path, body, headers) => (await fetch(BASE + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
async function runClientLogin({ headers }) {
  token = (await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }, headers)).data.access_token;
}
async function runClientSchoolSync({ headers }) {
  const school = { organName: '武汉一中', organKind: 2, provinceName: '湖北省', cityName: '武汉市', areaName: '武昌区', otherId: 100 };
  let answer = await post('/v1/abutment/syncSaveOrganMetadata', { ...school, access_token: token }, headers);
  if (answer.status === 403 && ${recovers}) {
    await runClientLogin({ headers });
    answer = await post('/v1/abutment/syncSaveOrganMetadata', { ...school, access_token: token }, headers);
  }
}
`;

function runScript(recovers: boolean): Promise<{ status: number | null; stderr: string }> {
  const client = pathToFileURL(join(root, 'dist', 'src', 'client', 'mock-client.js')).href;
  const script = readmeScript().replace(`from 'contract-mock/client'`, `from ${JSON.stringify(client)}`);
  const body = script.replace(/^(import .*\n)+/, '');
  const imports = script.slice(0, script.length - body.length);
  const file = join(mkdtempSync(join(tmpdir(), 'cm-readme-qa-')), 'qa.mjs');
  writeFileSync(file, (imports + sampleClient(recovers) + body).replaceAll('http://127.0.0.1:4010', url));
  return new Promise((resolve) =>
    execFile(process.execPath, [file], { encoding: 'utf8', timeout: 20_000 }, (err, _out, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    ),
  );
}

describe("the QA guide's script", () => {
  test('passes as written against a client that gets a new token when the old one has expired', async () => {
    const run = await runScript(true);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('fails with a readable message when the client does not recover', async () => {
    const run = await runScript(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('channelToken: expected exactly 2 call(s), matched 1');
    expect(run.stderr).not.toMatch(/Error: \[\]/);
  });
});
