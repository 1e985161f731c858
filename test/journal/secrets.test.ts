/**
 * Credentials a client sends never reach a record, wherever the record goes: /__mock/calls, the HAR and NDJSON
 * exports, the live event stream and the --journal file. Asserted as "the secret text appears nowhere", not as
 * an exact mask, so the masking rule itself may change.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';

const S = 'secrets';
/** Each value is unique, long and found nowhere else, so any trace of it in a record is a leak. */
const SECRETS = {
  appSecret: 'app-SECRET-value-4921',
  password: 'pw-Q7x-never-logged-0387',
  authorization: 'Bearer hdr-TOKEN-5521-abcdef',
  cookie: 'sid=cookie-VAL-8812-zyxw',
  apiKey: 'key-VAL-7734-qwerty',
  adminToken: 'admin-TOKEN-3390-plmokn',
};

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
const journalFile = join(mkdtempSync(join(tmpdir(), 'cm-secrets-')), 'calls.ndjson');
beforeAll(async () => {
  m = await testMock({ journal: { file: journalFile } });
  base = await listen(m.server);
});
afterAll(() => {
  m.server.closeAllConnections();
  m.server.close();
});

const headers = {
  'x-mock-session': S,
  authorization: SECRETS.authorization,
  cookie: SECRETS.cookie,
  'x-api-key': SECRETS.apiKey,
  'x-mock-admin-token': SECRETS.adminToken,
};
const postJson = (path: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const postForm = (path: string, body: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

/** The raw text of the session's event stream until `count` call events have arrived while `act` runs. */
async function streamText(count: number, act: () => Promise<unknown>): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${base}/__mock/events`, { signal: controller.signal, headers: { 'x-mock-session': S } });
  const reader = res.body!.getReader();
  let text = '';
  let acted = false;
  while ((text.match(/event: call/g) ?? []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    if (!acted && text.includes('event: hello')) {
      acted = true;
      void act();
    }
  }
  controller.abort();
  return text;
}

describe('secrets in call records', () => {
  test('an app secret, a password and credential headers appear in no record, export, stream or journal file', async () => {
    await postJson('/__mock/state', {
      'platform-sync': { apps: [{ appid: 'secret-app', secret: SECRETS.appSecret }] },
    });
    const stream = await streamText(3, async () => {
      const token = await postJson('/v1/channel/token', { appid: 'secret-app', secret: SECRETS.appSecret });
      expect(((await token.json()) as { status: number }).status).toBe(200);
      const reg = {
        loginName: 'secret-user',
        password: SECRETS.password,
        realName: '李雷',
        sex: '1',
        school: '武汉一中',
        grade: '1班',
        classNum: '1',
        englishscore: '99',
      };
      expect(
        ((await (await postForm('/datasyn/user/register', reg)).json()) as { meta: { status: number } }).meta.status,
      ).toBe(1);
      expect(
        (
          (await (
            await postForm('/datasyn/user/login', {
              loginName: 'secret-user',
              password: SECRETS.password,
              synDevice: 'A',
            })
          ).json()) as { meta: { status: number } }
        ).meta.status,
      ).toBe(1);
    });
    const calls = await (await fetch(`${base}/__mock/calls`, { headers: { 'x-mock-session': S } })).text();
    const har = await (await fetch(`${base}/__mock/calls.har`, { headers: { 'x-mock-session': S } })).text();
    const ndjson = await (await fetch(`${base}/__mock/calls.ndjson`, { headers: { 'x-mock-session': S } })).text();
    await m.journal.close();
    const file = readFileSync(journalFile, 'utf8');

    // The records are there (so the check below is not vacuous) ...
    for (const [where, text] of Object.entries({ calls, har, ndjson, stream, file })) {
      for (const op of ['channelToken', 'register', 'login']) expect(text, `${where} has the ${op} call`).toContain(op);
      expect(text, `${where} keeps the non-secret fields`).toContain('secret-user');
      // ... and none of the secrets, whole or in part (its first ten or last six characters).
      for (const [name, secret] of Object.entries(SECRETS)) {
        const value = secret.replace(/^(Bearer |sid=)/, '');
        for (const part of [value.slice(0, 10), value.slice(-6)])
          expect(text.includes(part), `${where} shows part of the ${name}: ${part}`).toBe(false);
      }
    }
  });
});
