/**
 * The reference pages generated from catalogues in code, one entry a page: `npm run docs` (scripts/docs.mjs) writes
 * them, test/docs/generated-docs.test.ts fails when a page on disk differs from its render. Owns the list, not the pages.
 */
import { adminApiPage } from './admin-api-page.js';
import { renderRefusalsPage } from '../http/refusals.js';

export interface GeneratedPage {
  /** Where the page is written, from the package root. */
  file: string;
  render: () => string;
}

export const GENERATED_PAGES: readonly GeneratedPage[] = [
  { file: 'docs/reference/admin-api.md', render: adminApiPage },
  { file: 'docs/reference/refusals.md', render: renderRefusalsPage },
];
