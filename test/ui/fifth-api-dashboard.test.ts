/**
 * The dashboard shows a fifth API served by `--spec` alone (examples/timetable.openapi.yaml, issue 27) like the
 * four: its calls appear live in Debian's chromium with their operation and business code, and its API is in the
 * filter. Skipped, with a message, when /usr/bin/chromium is missing; under CI it fails instead.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../../src/contract/load-specs.js';
import { listen } from '../helpers/listen.js';
import { chromiumNeeded, launchChromium } from '../helpers/chromium.js';
import { servedMock } from '../helpers/served.js';

const browserNeeded = chromiumNeeded('test/ui/fifth-api-dashboard.test.ts');
const TIMETABLE = join(packageRoot(), 'examples', 'timetable.openapi.yaml');
const SESSION = 'qa-fifth';
const WAIT = { timeout: 10_000 };

let m: Awaited<ReturnType<typeof servedMock>>;
let base: string;
let browser: Browser;
let page: Page;

async function call(path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/tt/v1${path}`, {
    method: 'POST',
    headers: { 'x-mock-session': SESSION, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe.skipIf(browserNeeded.skip)('the dashboard with a fifth API (needs /usr/bin/chromium)', () => {
  beforeEach(() => browserNeeded.assertAvailable());
  beforeAll(async () => {
    if (!browserNeeded.available) return;
    m = await servedMock([TIMETABLE]);
    base = await listen(m.server);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    await page.goto(`${base}/__mock/ui/`);
    await page.waitForSelector('body[data-ready]');
  });
  afterAll(async () => {
    await browser?.close();
    m?.close();
    m?.server.closeAllConnections();
    m?.server.close();
  });

  test("the fifth API's calls appear live with their operation and business code, and its API is a filter", async () => {
    await page.fill('#session-input', SESSION);
    await page.press('#session-input', 'Enter');
    await page.waitForSelector('#stream-status[data-status="live"]');

    const issued = await call('/auth/syncToken', { schoolCode: 'TT-SCH-001', schoolSecret: 'tt-demo-secret' });
    const token = (issued['payload'] as { token: string }).token;
    await call('/teachers/syncSaveTeacher', { token, teacherNo: 'T-001', teacherName: '王老师' });
    await call('/lessons/syncSaveLesson', { token, lessonId: 'L-1', title: '数学', teacherNo: 'T-404' });

    await page.locator('#call-list .call-row').nth(2).waitFor();
    expect(await page.locator('#call-list .call-row .c-operation').allTextContents()).toEqual([
      'ttSaveLesson',
      'ttSaveTeacher',
      'ttIssueToken',
    ]);
    expect(await page.locator('#call-list li', { hasText: 'ttSaveLesson' }).locator('.c-code').textContent()).toBe(
      '4041',
    );
    expect(await page.locator('#filter-api option[value="timetable"]').count()).toBe(1);
  });
});
