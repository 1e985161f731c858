/**
 * Debian's chromium for the dashboard's browser tests: whether a test file may run without it (needs-service.ts:
 * skipped on a developer's machine, failed under CI) and one headless launch with the flags every test uses.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { needsService, type NeededService } from './needs-service.js';

export const CHROMIUM = '/usr/bin/chromium';

/** `file` needs chromium. */
export const chromiumNeeded = (file: string): NeededService =>
  needsService(file, existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);

/** Headless chromium, quiet: no sandbox (CI runs as root), no GPU, no network of its own, no first-run pages. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
