/**
 * The dashboard (/__mock/ui, issue 8) in a real browser: Debian's chromium driven by playwright-core against
 * an in-process mock on a real port. Calls appear live, a violation is marked in its body, token-expired is
 * switched on from the UI, the clock advanced and the session reset from the UI, the phone layout fits, and
 * the page logs no console errors. Screenshots of each view go to test-artifacts/ (gitignored); the README's
 * docs/dashboard.png is made by `npm run docs:screenshot` (scripts/dashboard-screenshot.mjs).
 * Skipped, with a message, when /usr/bin/chromium is missing; under CI they fail instead (.ci/run installs it).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';
import { chromiumNeeded, launchChromium } from '../helpers/chromium.js';

/**
 * The few browser globals the page.evaluate callbacks use (they run in chromium, not in Node). Declared here
 * rather than through lib "dom", which would change fetch's types for the whole type-checked program.
 */
declare const document: {
  documentElement: { scrollWidth: number; clientWidth: number };
  activeElement: {
    id: string;
    getAttribute(name: string): string | null;
    classList: { contains(name: string): boolean };
  } | null;
};
declare const navigator: { clipboard: { readText(): Promise<string> } };

const browserNeeded = chromiumNeeded('test/ui/dashboard.test.ts');

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SESSION = 'qa-dashboard';
const WAIT = { timeout: 10_000 };

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

/** One API call from "the app under test", in a session. */
async function call(
  path: string,
  init: { json?: unknown; form?: Record<string, string>; session?: string } = {},
): Promise<Record<string, unknown>> {
  const body = init.form
    ? new URLSearchParams(init.form).toString()
    : init.json === undefined
      ? undefined
      : JSON.stringify(init.json);
  const contentType = init.form ? 'application/x-www-form-urlencoded' : 'application/json';
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'x-mock-session': init.session ?? SESSION, ...(body !== undefined && { 'content-type': contentType }) },
    body,
  });
  return (await res.json()) as Record<string, unknown>;
}

async function platformToken(session = SESSION): Promise<string> {
  const body = await call('/v1/channel/token', { json: { appid: 'demo-app', secret: 'demo-secret' }, session });
  return (body['data'] as { access_token: string }).access_token;
}

const school = (token: string, organKind: number) => ({
  access_token: token,
  organName: '武汉市第一中学',
  organKind,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: 100,
});

const operations = () => page.locator('#call-list .call-row .c-operation').allTextContents();

async function openView(name: 'calls' | 'scenarios' | 'state'): Promise<void> {
  await page.click(`nav.tabs a[href="#${name}"]`);
  await page.waitForSelector(`#view-${name}:not([hidden])`, WAIT);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
}

const hasHorizontalOverflow = () =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

// One QA session in one browser page, step by step: each test starts where the one before left the page, so
// these tests keep their order even when the suite is shuffled (the file itself still runs in any order).
describe.skipIf(browserNeeded.skip)('dashboard in chromium (needs /usr/bin/chromium)', { shuffle: false }, () => {
  // Under CI with no browser, every test fails (and is counted failed) instead of vanishing.
  beforeEach(() => browserNeeded.assertAvailable());
  beforeAll(async () => {
    if (!browserNeeded.available) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    m = await testMock();
    base = await listen(m.server);
    browser = await launchChromium();
    // A new context is a new, empty profile: no language or session remembered from an earlier run. Its
    // browser speaks Chinese, so the dashboard does too (it follows navigator.languages: dashboard-states.test.ts).
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: 'Asia/Shanghai',
      locale: 'zh-CN',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    await page.goto(`${base}/__mock/ui/`);
    await page.waitForSelector('body[data-ready]');
  });

  afterAll(async () => {
    // The browser first, so that its event stream does not see the server go away.
    await browser?.close();
    m?.close();
    m?.server.closeAllConnections();
    m?.server.close();
  });

  test('speaks Chinese in a Chinese browser; the English toggle is remembered across a reload', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('nav.tabs a[href="#calls"]')).toBe('调用');
    await page.click('#language-toggle');
    expect(await page.textContent('nav.tabs a[href="#calls"]')).toBe('Calls');
    await page.reload();
    await page.waitForSelector('body[data-ready]');
    expect(await page.textContent('nav.tabs a[href="#scenarios"]')).toBe('Scenarios');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.click('#language-toggle');
    expect(await page.textContent('nav.tabs a[href="#state"]')).toBe('状态与时钟');
  });

  test('shows the calls of the picked session live, newest first, marking violations', async () => {
    await page.fill('#session-input', SESSION);
    await page.press('#session-input', 'Enter');
    await page.waitForSelector('#stream-status[data-status="live"]');
    expect(await page.inputValue('#session-select')).toBe(SESSION);

    const token = await platformToken();
    await call('/v1/abutment/syncSaveOrganMetadata', { json: school(token, 9) });
    await call('/v1/channel/token', { json: { appid: 'demo-app', secret: 'demo-secret' }, session: 'someone-else' });
    await call('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token');

    await page.locator('#call-list .call-row').nth(2).waitFor();
    // Another session's call never shows: the stream delivers in journal order, and it came before getOrgInfo.
    expect(await operations()).toEqual(['getOrgInfo', 'syncSaveOrganMetadata', 'channelToken']);
    const violating = page.locator('#call-list li', { hasText: 'syncSaveOrganMetadata' });
    expect(await violating.locator('.badge-violation').textContent()).toContain('1');
    expect(await violating.locator('.c-code').textContent()).toBe('402');
    // The session picker asks for the sessions again when it is used.
    await page.focus('#session-select');
    await page.waitForSelector('#session-select option[value="someone-else"]', { state: 'attached' });
  });

  test('filters by violations, API and operation, and shows every session on request', async () => {
    await page.check('#filter-violations');
    expect(await operations()).toEqual(['syncSaveOrganMetadata']);
    await page.uncheck('#filter-violations');
    await page.selectOption('#filter-api', 'wuhan-eduyun');
    expect(await operations()).toEqual(['getOrgInfo']);
    await page.selectOption('#filter-api', '');
    await page.selectOption('#filter-operation', 'channelToken');
    expect(await operations()).toEqual(['channelToken']);
    await page.selectOption('#filter-operation', '');

    await page.selectOption('#session-select', '*');
    await expect.poll(() => page.locator('#call-list .c-session').allTextContents(), WAIT).toContain('someone-else');
    await page.selectOption('#session-select', SESSION);
    await expect.poll(operations, WAIT).toEqual(['getOrgInfo', 'syncSaveOrganMetadata', 'channelToken']);
  });

  test('opens a call with a violation: its pointer is highlighted in the body; copy as curl; keyboard', async () => {
    await page.click('#call-list li:has-text("syncSaveOrganMetadata") .call-row');
    const mark = page.locator('#call-detail mark[data-pointer="/body/organKind"]');
    await mark.waitFor();
    expect(await mark.textContent()).toContain('"organKind": 9');
    expect(await page.locator('#call-detail .violation-list').textContent()).toContain('/body/organKind');
    await page.click('#call-detail .pointer-link');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-pointer'))).toBe('/body/organKind');

    const curl = (await page.textContent('#call-detail [data-testid="curl"]')) ?? '';
    expect(curl).toContain(`'${base}/v1/abutment/syncSaveOrganMetadata'`);
    expect(curl).toContain(`-H 'x-mock-session: ${SESSION}'`);
    expect(curl).toContain(`--data-raw '{"access_token":"***`);
    await page.click('#call-detail .copy-curl');
    await page.waitForSelector('#call-detail .copy-status:not(:empty)');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(curl);
    await screenshot('dashboard-call-detail');

    // Escape closes the detail and gives focus back to the row; Enter on a row opens it again.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#call-detail', { state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.classList.contains('call-row'))).toBe(true);
    await page.locator('#call-list .call-row').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#call-detail h2:has-text("/user/openapi/org/get-org-info")');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    await page.click('#call-detail .close-detail');
  });

  test('activates token-expired from the scenarios view: the next authenticated call answers 403', async () => {
    await openView('scenarios');
    const card = page.locator('[data-scenario="token-expired"]');
    await card.locator('button.activate').click();
    await card.locator('button.deactivate').waitFor();
    const active = (await (
      await fetch(`${base}/__mock/scenarios`, { headers: { 'x-mock-session': SESSION } })
    ).json()) as { active: Array<{ name: string }> };
    expect(active.active.map((a) => a.name)).toEqual(['token-expired']);

    const token = await platformToken();
    expect(await call('/v1/abutment/syncSaveOrganMetadata', { json: school(token, 1) })).toMatchObject({ status: 403 });
    await expect.poll(() => card.locator('.hits').textContent(), WAIT).toContain('1');
    await screenshot('dashboard-scenarios');

    await openView('calls');
    // Three calls from before, then the token and the refused school.
    await page.locator('#call-list .call-row').nth(4).waitFor();
    const newest = page.locator('#call-list li').first();
    expect(await newest.locator('.c-operation').textContent()).toBe('syncSaveOrganMetadata');
    expect(await newest.locator('.badge-scenario').count()).toBe(1);
    expect(await newest.locator('.c-code').textContent()).toBe('403');

    // A fuller journal for the calls screenshot (and the README's): an ios-datasyn user and a push project.
    await call('/datasyn/user/register', {
      form: {
        loginName: 'zhangsan',
        password: '123456',
        realName: '张三',
        sex: '1',
        school: '武汉一中',
        grade: '3班',
        classNum: '3',
        englishscore: '120',
      },
    });
    await call('/wx/push/addPushProject', { form: { url: 'http://127.0.0.1:9/hook', project: 'demo' } });
    await page.locator('#call-list .call-row').nth(6).waitFor();
    await page.click('#call-list li.has-violations .call-row');
    await page.waitForSelector('#call-detail mark[data-pointer="/body/organKind"]');
    await screenshot('dashboard-calls');
    await page.click('#call-detail .close-detail');
  });

  test("advances the clock from the state view: a token's time left shrinks", async () => {
    const token = await platformToken();
    await openView('state');
    const row = page.locator('[data-collection="platform-sync/tokens"] tr', { hasText: token });
    await expect.poll(() => row.locator('.seconds-left').textContent(), WAIT).toBe('2:00:00');
    // The token that token-expired expired says so.
    expect(
      await page.locator('[data-collection="platform-sync/tokens"] .seconds-left.expired').count(),
    ).toBeGreaterThan(0);
    expect(await page.textContent('#clock-now')).toBe('2018-07-18 15:08:43');

    await page.fill('#advance-seconds', '600');
    await page.click('#clock-form button[type="submit"]');
    await expect.poll(() => row.locator('.seconds-left').textContent(), WAIT).toBe('1:50:00');
    expect(await page.textContent('#clock-now')).toBe('2018-07-18 15:18:43');
    await screenshot('dashboard-state');
  });

  test('resets the session from the UI: seed state, clock, journal and scenarios', async () => {
    await page.click('#reset-session');
    await expect.poll(() => page.textContent('#clock-now'), WAIT).toBe('2018-07-18 15:08:43');
    await page.waitForSelector('[data-collection="platform-sync/tokens"] p.muted');
    const scenarios = (await (
      await fetch(`${base}/__mock/scenarios`, { headers: { 'x-mock-session': SESSION } })
    ).json()) as { active: unknown[] };
    expect(scenarios.active).toEqual([]);
    await openView('calls');
    expect(await page.locator('#call-list .call-row').count()).toBe(0);
    await page.waitForSelector('#calls-empty:not([hidden])');
  });

  test('fits a phone screen (390×844) in every view without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const token = await platformToken();
    await call('/v1/abutment/syncSaveOrganMetadata', { json: school(token, 9) });
    await page.locator('#call-list .call-row').nth(1).waitFor();
    expect(await hasHorizontalOverflow()).toBe(false);
    await screenshot('dashboard-phone-calls');

    await page.click('#call-list li:has-text("syncSaveOrganMetadata") .call-row');
    await page.waitForSelector('#call-detail mark[data-pointer="/body/organKind"]');
    expect(await page.isVisible('#call-list')).toBe(false);
    expect(await hasHorizontalOverflow()).toBe(false);
    await screenshot('dashboard-phone-detail');
    await page.click('#call-detail .close-detail');

    for (const view of ['scenarios', 'state'] as const) {
      await openView(view);
      await page.waitForSelector(
        view === 'state' ? '[data-collection="platform-sync/tokens"] table' : '[data-scenario="token-expired"]',
      );
      expect(await hasHorizontalOverflow()).toBe(false);
      await screenshot(`dashboard-phone-${view}`);
    }
  });

  test('logged no console errors and no uncaught exceptions', () => {
    expect(consoleErrors).toEqual([]);
  });
});
