/**
 * Every generated reference page on disk is what its catalogue renders today (a page left stale after a change to the
 * table fails here: run `npm run docs`), and the files the admin route table names as handlers exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { GENERATED_PAGES } from '../../src/docs/generated-pages.js';
import { ADMIN_ROUTES } from '../../src/admin/route-table.js';

const root = join(import.meta.dirname, '..', '..');

test.each(GENERATED_PAGES.map((p) => [p.file, p] as const))(
  '%s is up to date (npm run docs writes it)',
  (file, page) => {
    expect(existsSync(join(root, file)), `${file} is missing: run npm run docs`).toBe(true);
    expect(readFileSync(join(root, file), 'utf8'), `${file} is stale: run npm run docs`).toBe(page.render());
  },
);

test('the admin API reference has one line per route of the table, and each handler file it names exists', () => {
  const page = readFileSync(join(root, 'docs/reference/admin-api.md'), 'utf8');
  for (const route of ADMIN_ROUTES) expect(page).toContain(`| \`${route.method}\` | \`/__mock${route.path}`);
  expect(page.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(ADMIN_ROUTES.length);
  for (const { handler } of ADMIN_ROUTES)
    expect(existsSync(join(root, 'src/admin', `${handler}.ts`)), handler).toBe(true);
});
