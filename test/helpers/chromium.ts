/**
 * Debian's chromium for the dashboard's browser tests: whether a test file may run without it (needs-service.ts:
 * skipped on a developer's machine, failed under CI) and one headless launch with the flags every test uses.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { DEFAULT_CHROMIUM, launchChromium as launch } from '../../scripts/chromium.mjs';
import { needsService, type NeededService } from './needs-service.js';

export const CHROMIUM = DEFAULT_CHROMIUM;

/** `file` needs chromium. */
export const chromiumNeeded = (file: string): NeededService =>
  needsService(file, existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);

/** Headless chromium, quiet (scripts/chromium.mjs, which the dashboard screenshot script launches too). */
export const launchChromium = (): Promise<Browser> => launch(CHROMIUM);
