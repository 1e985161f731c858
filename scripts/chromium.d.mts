// Types of chromium.mjs for the TypeScript suite (test/helpers/chromium.ts).
import type { Browser } from 'playwright-core';

export declare const DEFAULT_CHROMIUM: string;
export declare function launchChromium(executablePath?: string): Promise<Browser>;
