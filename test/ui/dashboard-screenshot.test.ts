/**
 * scripts/dashboard-screenshot.mjs (`npm run docs:screenshot`, issue 29) still makes its picture: run as the README's
 * maintainer runs it, into a temporary file, it exits 0 and writes a 1280×800 PNG. Needs dist/ (npm test builds
 * first) and /usr/bin/chromium: skipped, with a message, without the browser; under CI it fails instead.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { chromiumNeeded } from '../helpers/chromium.js';

const browserNeeded = chromiumNeeded('test/ui/dashboard-screenshot.test.ts');
const SCRIPT = fileURLToPath(new URL('../../scripts/dashboard-screenshot.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dashboard-screenshot-'));

describe.skipIf(browserNeeded.skip)('npm run docs:screenshot (needs /usr/bin/chromium)', () => {
  beforeEach(() => browserNeeded.assertAvailable());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes a 1280×800 PNG of the loaded dashboard', async () => {
    const out = join(dir, 'dashboard.png');
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--out', out], { timeout: 60_000 });
    expect(stdout).toContain('6 calls');
    const png = readFileSync(out);
    // The PNG signature, then the IHDR chunk: width and height as 32-bit big-endian at bytes 16 and 20.
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
  });
});
