/**
 * The reference pages generated from catalogues in code, one entry a page: `npm run docs` (scripts/docs.mjs) writes
 * them, test/docs/generated-docs.test.ts fails when a page on disk differs from its render. Owns the list, not the pages.
 */
import { adminApiPage } from './admin-api-page.js';
import { cliPage } from './cli-page.js';
import { headersPage } from './headers-page.js';
import { limitsPage } from './limits-page.js';
import { scenarioFormatPage } from './scenario-format-page.js';
import { specConventionsPage } from './spec-conventions-page.js';
import { renderRefusalsPage } from '../http/refusals.js';

export interface GeneratedPage {
  /** Where the page is written, from the package root. */
  file: string;
  render: () => string;
}

export const GENERATED_PAGES: readonly GeneratedPage[] = [
  { file: 'docs/reference/admin-api.md', render: adminApiPage },
  { file: 'docs/reference/refusals.md', render: renderRefusalsPage },
  { file: 'docs/reference/cli.md', render: cliPage },
  { file: 'docs/reference/headers.md', render: headersPage },
  { file: 'docs/reference/limits.md', render: limitsPage },
  { file: 'docs/reference/scenario-format.md', render: scenarioFormatPage },
  { file: 'docs/reference/spec-conventions.md', render: specConventionsPage },
];
