/**
 * CORS in a real browser (issue 29: Chromium said "Failed to fetch" for a PATCH that curl made): a page served from
 * another origin (a tiny node:http server on its own port) PATCHes a served document's operation on the mock, so
 * Chromium sends the preflight and then the call. Debian's chromium driven by playwright-core, as dashboard.test.ts.
 * Skipped, with a message, when /usr/bin/chromium is missing; under CI it fails instead.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { listen } from '../helpers/listen.js';
import { chromiumNeeded, launchChromium } from '../helpers/chromium.js';
import { servedMock } from '../helpers/served.js';

const browserNeeded = chromiumNeeded('test/ui/cors-browser.test.ts');
const WIDGETS = join(import.meta.dirname, '..', 'served', 'fixtures', 'widgets.openapi.json');

let mock: Awaited<ReturnType<typeof servedMock>>;
let mockUrl: string;
let app: Server;
let appUrl: string;
let browser: Browser;
let page: Page;

/** What the page's fetch gave: the answer, or the browser's error (a blocked preflight is a TypeError). */
type Outcome = { ok: true; status: number; body: string } | { ok: false; error: string };

describe.skipIf(browserNeeded.skip)('CORS in chromium (needs /usr/bin/chromium)', () => {
  beforeEach(() => browserNeeded.assertAvailable());
  beforeAll(async () => {
    if (!browserNeeded.available) return;
    mock = await servedMock([WIDGETS]);
    mockUrl = await listen(mock.server);
    // The frontend under development: another origin (another port), an empty page.
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>app'));
    appUrl = await listen(app);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${appUrl}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await mock?.close();
  });

  test('a page on another origin PATCHes a served widget: the preflight lets it through and the mock answers 200', async () => {
    const created = await fetch(`${mockUrl}/v1/widgets?key=k`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bolt', size: 2 }),
    });
    expect(created.status).toBe(201);
    const { widgetId } = (await created.json()) as { widgetId: string };

    const outcome = await page.evaluate(
      async ([url, body]): Promise<Outcome> => {
        try {
          const res = await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body });
          return { ok: true, status: res.status, body: await res.text() };
        } catch (e) {
          return { ok: false, error: String(e) };
        }
      },
      [`${mockUrl}/v1/widgets/${widgetId}?key=k`, JSON.stringify({ color: 'red' })] as const,
    );
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(JSON.parse((outcome as { body: string }).body)).toMatchObject({ widgetId, name: 'bolt', color: 'red' });
    // The browser asked first (the preflight), then sent the PATCH itself.
    expect(mock.calls.map((c) => c.method)).toContain('PATCH');
  });
});
