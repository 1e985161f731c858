#!/usr/bin/env node
// Makes docs/dashboard.png from the real dashboard (issue 29): a mock in this process (seeded, mock clock, loopback,
// free port), a few calls from "the app" (one breaking the contract, one answered by a scenario), then the dashboard in
// headless chromium through playwright-core (as test/ui/ drives it), waiting for its loaded state. Refuses to write a
// picture in which a secret sent to the mock shows unmasked. `npm run docs:screenshot` builds, then runs this;
// `--out FILE` writes elsewhere, CHROMIUM=/path picks the browser (default /usr/bin/chromium).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMock } from '../dist/src/index.js';
import { fixedClock } from '../dist/src/state/store.js';
import { DEFAULT_CHROMIUM, launchChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const out = outArg === -1 ? join(root, 'docs', 'dashboard.png') : resolve(process.argv[outArg + 1] ?? '');
const executablePath = process.env.CHROMIUM ?? DEFAULT_CHROMIUM;
const SESSION = 'qa-dashboard';
/** 2018-07-18 15:08:43 in China, as the tests' mock clock (test/helpers/mock.ts T0). */
const T0 = Date.UTC(2018, 6, 18, 7, 8, 43);

if (outArg !== -1 && !process.argv[outArg + 1]) {
  console.error('dashboard-screenshot: --out needs a file name, e.g. --out /tmp/dashboard.png');
  process.exit(2);
}
if (!existsSync(executablePath)) {
  console.error(
    `dashboard-screenshot: no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM=/path/to/chrome)`,
  );
  process.exit(2);
}

/** One call from "the app under test": JSON or a form, in the screenshot's session; answers the parsed body. */
async function call(base, path, { json, form } = {}) {
  const body = form ? new URLSearchParams(form).toString() : json === undefined ? undefined : JSON.stringify(json);
  const headers = { 'x-mock-session': SESSION };
  if (body !== undefined) headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
  const res = await fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

/** The calls the picture shows; answers every secret they sent, which must not appear on the page. */
async function makeCalls(base) {
  const secrets = ['demo-secret'];
  const token = async () => {
    const { body } = await call(base, '/v1/channel/token', { json: { appid: 'demo-app', secret: 'demo-secret' } });
    secrets.push(body.data.access_token);
    return body.data.access_token;
  };
  const school = (accessToken, organKind) => ({
    access_token: accessToken,
    organName: '武汉市第一中学',
    organKind,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '武昌区',
    otherId: 100,
  });

  // organKind 9 is not in the spec's enum: the violating call, opened in the picture.
  await call(base, '/v1/abutment/syncSaveOrganMetadata', { json: school(await token(), 9) });
  await call(base, '/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token');
  const activated = await fetch(`${base}/__mock/scenarios/active`, {
    method: 'POST',
    headers: { 'x-mock-session': SESSION, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'token-expired' }),
  });
  if (!activated.ok)
    throw new Error(
      `POST /__mock/scenarios/active {"name":"token-expired"} answered HTTP ${activated.status}: ${await activated.text()}`,
    );
  // Answered by the scenario (403, token expired).
  const refused = await call(base, '/v1/abutment/syncSaveOrganMetadata', { json: school(await token(), 1) });
  if (refused.body.status !== 403)
    throw new Error(`token-expired did not answer the school call: ${JSON.stringify(refused.body)}`);
  await call(base, '/datasyn/user/register', {
    form: {
      loginName: 'zhangsan',
      password: 'demo-password-1',
      realName: '张三',
      sex: '1',
      school: '武汉一中',
      grade: '3班',
      classNum: '3',
      englishscore: '120',
    },
  });
  return { count: 6, secrets };
}

/** Every place a secret shows on the page, whole or as the last 4 characters after a mask (the old picture's leak). */
async function leaks(page, secrets) {
  const text = await page.evaluate(() => document.body.textContent ?? '');
  return secrets.filter((s) => text.includes(s) || text.includes(`***${s.slice(-4)}"`));
}

const mock = await startMock({ port: 0, host: '127.0.0.1', seed: 42, clock: fixedClock(T0), log: () => {} });
const browser = await launchChromium(executablePath);
try {
  const { count, secrets } = await makeCalls(mock.url);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${mock.url}/__mock/ui/?session=${SESSION}`);
  // The loaded state: the banner gone, every call listed, the stream live.
  await page.waitForSelector('#load-state[data-state="ready"]', { state: 'hidden' });
  await page
    .locator('#call-list .call-row')
    .nth(count - 1)
    .waitFor();
  await page.waitForSelector('#stream-status[data-status="live"]');
  await page.click('#call-list li.has-violations .call-row');
  await page.waitForSelector('#call-detail mark[data-pointer="/body/organKind"]');
  const leaked = await leaks(page, secrets);
  if (leaked.length)
    throw new Error(
      `the dashboard shows ${leaked.length} secret(s) unmasked (${leaked.map((s) => `…${s.slice(-4)}`).join(', ')}): not writing ${relative(root, out)}`,
    );
  mkdirSync(dirname(out), { recursive: true });
  // Without a passing notice, and with the caret and focus ring out of the picture.
  await page.screenshot({
    path: out,
    style: '#notice { display: none; } :focus-visible { outline: none !important; }',
    caret: 'hide',
    animations: 'disabled',
  });
  console.log(
    `wrote ${relative(process.cwd(), out)} (1280×800, ${count} calls, session ${SESSION}) from ${mock.url}/__mock/ui/`,
  );
} catch (e) {
  console.error(`dashboard-screenshot: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await mock.close();
}
