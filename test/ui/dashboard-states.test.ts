/**
 * The dashboard's first moments and narrow places in chromium (issue 29): it speaks the browser's language
 * (navigator.languages) until the toggle says otherwise, shows a loading state until its first data and an error
 * state (with a retry) while the mock cannot be reached, and keeps the violation badge whole and in view when a
 * call is open. Each test opens its own browser context (an empty profile), so none depends on another.
 * Skipped, with a message, when /usr/bin/chromium is missing; under CI they fail instead.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testMock } from '../helpers/mock.js';
import { listen } from '../helpers/listen.js';
import { chromiumNeeded, launchChromium } from '../helpers/chromium.js';

/** The browser globals the page callbacks use (they run in chromium); see dashboard.test.ts for why not lib "dom". */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
declare const document: {
  querySelector(
    selector: string,
  ): { getBoundingClientRect(): Box; closest(selector: string): { getBoundingClientRect(): Box } } | null;
};
declare const window: { innerWidth: number; innerHeight: number };
declare const Navigator: { prototype: object };

const browserNeeded = chromiumNeeded('test/ui/dashboard-states.test.ts');
const SESSION = 'qa-states';
const WAIT = { timeout: 10_000 };

let m: Awaited<ReturnType<typeof testMock>>;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** A fresh profile in the given language; `languages` overrides navigator.languages (a list, as browsers send it). */
async function openPage(options: { locale?: string; languages?: string[]; width?: number } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 800 },
    timezoneId: 'Asia/Shanghai',
    ...(options.locale && { locale: options.locale }),
  });
  contexts.push(context);
  if (options.languages) {
    await context.addInitScript((languages: string[]) => {
      Object.defineProperty(Navigator.prototype, 'languages', { get: () => languages });
      Object.defineProperty(Navigator.prototype, 'language', { get: () => languages[0] });
    }, options.languages);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  return page;
}

const dashboard = (session = SESSION) => `${base}/__mock/ui/?session=${session}`;
const isAdminRoute = (url: URL) => url.pathname.startsWith('/__mock/') && !url.pathname.startsWith('/__mock/ui/');

async function post(path: string, json: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'x-mock-session': SESSION, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(browserNeeded.skip)(
  'dashboard language, loading and badges in chromium (needs /usr/bin/chromium)',
  () => {
    beforeEach(() => browserNeeded.assertAvailable());
    beforeAll(async () => {
      if (!browserNeeded.available) return;
      m = await testMock();
      base = await listen(m.server);
      // One call that breaks the contract (organKind 9 is not in the enum), one that does not.
      const token = (
        (await post('/v1/channel/token', { appid: 'demo-app', secret: 'demo-secret' }))['data'] as {
          access_token: string;
        }
      ).access_token;
      await post('/v1/abutment/syncSaveOrganMetadata', {
        access_token: token,
        organName: '武汉市第一中学',
        organKind: 9,
        provinceName: '湖北省',
        cityName: '武汉市',
        areaName: '武昌区',
        otherId: 100,
      });
      browser = await launchChromium();
    });

    afterAll(async () => {
      for (const context of contexts) await context.close();
      await browser?.close();
      m?.close();
      m?.server.closeAllConnections();
      m?.server.close();
    });

    test.each([
      { browserSays: 'locale zh-CN', options: { locale: 'zh-CN' }, lang: 'zh-CN', calls: '调用' },
      { browserSays: 'locale zh-TW', options: { locale: 'zh-TW' }, lang: 'zh-CN', calls: '调用' },
      { browserSays: 'locale en-GB', options: { locale: 'en-GB' }, lang: 'en', calls: 'Calls' },
      { browserSays: 'locale fr-FR (neither)', options: { locale: 'fr-FR' }, lang: 'en', calls: 'Calls' },
      {
        browserSays: 'languages fr-FR, zh-CN (the first it speaks)',
        options: { languages: ['fr-FR', 'zh-CN', 'en'] },
        lang: 'zh-CN',
        calls: '调用',
      },
      { browserSays: 'languages en-US, zh-CN', options: { languages: ['en-US', 'zh-CN'] }, lang: 'en', calls: 'Calls' },
    ])('opens in the browser language: $browserSays → $lang', async ({ options, lang, calls }) => {
      const page = await openPage(options);
      await page.goto(dashboard());
      await page.waitForSelector('body[data-ready]');
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await page.textContent('nav.tabs a[href="#calls"]')).toBe(calls);
    });

    test('the language picked with the toggle beats the browser language, across a reload', async () => {
      const page = await openPage({ locale: 'en-US' });
      await page.goto(dashboard());
      await page.waitForSelector('body[data-ready]');
      expect(await page.textContent('nav.tabs a[href="#calls"]')).toBe('Calls');
      await page.click('#language-toggle');
      expect(await page.textContent('nav.tabs a[href="#calls"]')).toBe('调用');
      await page.reload();
      await page.waitForSelector('body[data-ready]');
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect(await page.textContent('nav.tabs a[href="#scenarios"]')).toBe('场景');
    });

    test('shows a loading state until the journal arrives, then the calls', async () => {
      const page = await openPage({ locale: 'en-US' });
      // Hold the journal back until the loading state has been seen: no race with a fast mock.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(
        (url) => url.pathname === '/__mock/calls',
        async (route) => {
          await held;
          await route.continue();
        },
      );
      await page.goto(dashboard());
      const loading = page.locator('#load-state[data-state="loading"]');
      await loading.waitFor();
      expect(await loading.isVisible()).toBe(true);
      expect(await loading.textContent()).toContain('Loading…');
      expect(await page.locator('#call-list .call-row').count()).toBe(0);

      release();
      await page.waitForSelector('#load-state[data-state="ready"]', { state: 'hidden' });
      await page.locator('#call-list .call-row').nth(1).waitFor();
      expect(await page.isVisible('#load-state')).toBe(false);
    });

    test('shows an error state while the mock cannot be reached, and recovers on Retry', async () => {
      const page = await openPage({ locale: 'en-US' });
      // The dashboard's files load; every admin route is refused at the connection, as with a mock that is gone.
      await page.route(isAdminRoute, (route) => route.abort('connectionrefused'));
      await page.goto(dashboard());
      const error = page.locator('#load-state[data-state="error"]');
      await error.waitFor();
      expect(await error.textContent()).toContain(`Cannot reach the mock at ${base}/__mock/`);
      expect(await page.isVisible('#load-retry')).toBe(true);

      await page.unroute(isAdminRoute);
      await page.click('#load-retry');
      await page.locator('#call-list .call-row').nth(1).waitFor();
      await page.waitForSelector('#load-state', { state: 'hidden' });
      expect(await page.isVisible('#load-retry')).toBe(false);
    });

    test.each([
      { locale: 'en-US', width: 1280 },
      { locale: 'en-US', width: 1000 },
      { locale: 'zh-CN', width: 1000 },
      { locale: 'zh-CN', width: 1280 },
    ])(
      'keeps the violation badge whole and in view when a call is open ($locale, $width px)',
      async ({ locale, width }) => {
        const page = await openPage({ locale, width });
        await page.goto(dashboard());
        await page.locator('#call-list li.has-violations .call-row').click();
        await page.waitForSelector('#call-detail mark[data-pointer="/body/organKind"]');
        const badge = page.locator('#call-list li.has-violations .badge-violation');
        expect(await badge.isVisible()).toBe(true);
        const boxes = await page.evaluate(() => {
          const node = document.querySelector('#call-list li.has-violations .badge-violation')!;
          return {
            badge: node.getBoundingClientRect(),
            cell: node.closest('.c-marks').getBoundingClientRect(),
            viewport: { width: window.innerWidth, height: window.innerHeight },
          };
        });
        // Its words stay in the tooltip (and for screen readers) when it shows only symbol and count.
        expect(await badge.getAttribute('title')).toBe(locale === 'zh-CN' ? '违约 1' : '1 violation(s)');
        // Within its cell (which clips what overflows it) and within the window.
        expect(boxes.badge.left).toBeGreaterThanOrEqual(boxes.cell.left);
        expect(boxes.badge.right).toBeLessThanOrEqual(boxes.cell.right);
        expect(boxes.badge.top).toBeGreaterThanOrEqual(boxes.cell.top);
        expect(boxes.badge.bottom).toBeLessThanOrEqual(boxes.cell.bottom);
        expect(boxes.badge.top).toBeGreaterThanOrEqual(0);
        expect(boxes.badge.right).toBeLessThanOrEqual(boxes.viewport.width);
        expect(boxes.badge.bottom).toBeLessThanOrEqual(boxes.viewport.height);
      },
    );
  },
);
