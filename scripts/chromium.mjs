// One headless chromium launch, shared by the dashboard's browser tests (test/helpers/chromium.ts) and
// scripts/dashboard-screenshot.mjs: quiet, no sandbox (CI runs as root), no GPU, no network of its own, no first-run pages.
import { chromium } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium (or the browser at `executablePath`), headless and quiet. */
export function launchChromium(executablePath = DEFAULT_CHROMIUM) {
  return chromium.launch({
    executablePath,
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
