/**
 * The dashboard of a mock started with --admin-token, in chromium: opening /__mock/ui/?admin_token=T logs in,
 * and the dashboard's own changes (clock, reset) carry the CSRF token of that login (finding 7 of "Safe to
 * share"), under the dashboard's CSP without a console error. A page served from another port of the same host
 * with the same cookie jar cannot reset the session. Skipped, with a message, when /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { testMock } from '../helpers/mock.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { listen } from '../helpers/listen.js';

const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env['CI']) throw new Error(`${CHROMIUM} is missing (.ci/run installs it)`);
const TOKEN = 'team-secret';
const WAIT = { timeout: 10_000 };

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
let other: Server;
let otherBase: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const offset = async (): Promise<number> =>
  (await request(m.listener).get('/__mock/state').set('Authorization', `Bearer ${TOKEN}`)).body.clock.offsetSeconds;

describe.skipIf(!HAS_CHROMIUM)('dashboard with --admin-token in chromium', () => {
  beforeAll(async () => {
    m = await testMock({ adminToken: TOKEN });
    base = await listen(m.server);
    // Another app on another port of the same host: same site, so the SameSite=Strict cookie goes along.
    other = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>other port</title>');
    });
    otherBase = await listen(other);
    browser = await launchChromium();
    page = await (
      await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Shanghai' })
    ).newPage();
    page.setDefaultTimeout(WAIT.timeout);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    // Log in once, from the token link: the context now holds the dashboard's cookie.
    await page.goto(`${base}/__mock/ui/?admin_token=${TOKEN}`);
    await page.waitForSelector('body[data-ready]');
  });

  afterAll(async () => {
    await browser?.close();
    other?.close();
    m?.close();
    m?.server.closeAllConnections();
    m?.server.close();
  });

  test('logs in from the token link, then advances the clock and resets the session from the UI', async () => {
    // The other test moves this session's clock too; start from the seed state whatever ran before.
    await request(m.listener).post('/__mock/reset').set('Authorization', `Bearer ${TOKEN}`).send({});
    expect(page.url()).toBe(`${base}/__mock/ui/`);
    expect((await page.context().cookies(`${base}/__mock/ui/`)).map((c) => c.name)).toContain('contract_mock_admin');
    await page.click('nav.tabs a[href="#state"]');
    await page.waitForSelector('#view-state:not([hidden])');
    await page.fill('#advance-seconds', '600');
    await page.click('#clock-form button[type="submit"]');
    await expect.poll(offset, WAIT).toBe(600);
    await page.click('#reset-session');
    await expect.poll(offset, WAIT).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  test('a page on another port of the same host, with the same cookies, cannot reset the session', async () => {
    await request(m.listener)
      .post('/__mock/clock')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ advanceSeconds: 60 });
    const attacker = await page.context().newPage();
    await attacker.goto(otherBase);
    const outcome = await attacker.evaluate(async (target) => {
      const results: string[] = [];
      for (const init of [
        { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' },
        { method: 'POST', credentials: 'include', mode: 'no-cors', body: '{}' },
        {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json', 'x-mock-csrf': 'guess' },
          body: '{}',
        },
      ] as RequestInit[]) {
        try {
          const res = await fetch(`${target}/__mock/reset`, init);
          results.push(String(res.status));
        } catch {
          results.push('blocked');
        }
      }
      return results;
    }, base);
    await attacker.close();
    expect(outcome).toHaveLength(3);
    expect(await offset()).toBe(60);
  });
});
