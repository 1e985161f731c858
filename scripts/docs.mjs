#!/usr/bin/env node
// Writes the reference pages generated from the code's catalogues (src/docs/generated-pages.ts), imported from dist/,
// and the generated tables inside hand-written pages (docs/decisions.md from the specs, scenarios/README.md from the
// scenario files): `npm run docs` builds, then runs this. `--check` writes nothing and exits 1 when one is stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { GENERATED_PAGES } = await import('../dist/src/docs/generated-pages.js');
const { decisionsTable, renderReadme, DECISIONS_PAGE } = await import('./decisions.mjs');
const { scenariosTable, renderScenariosReadme } = await import('./scenarios-table.mjs');
/** A page whose generated part sits between markers: rendered from the page as it is on disk. */
const withTable = (file, render) => ({ file, render: () => render(readFileSync(join(root, file), 'utf8')) });
const TABLES = [
  withTable(DECISIONS_PAGE, (page) => renderReadme(page, decisionsTable(join(root, 'specs')))),
  withTable('scenarios/README.md', (page) => renderScenariosReadme(page, scenariosTable(join(root, 'scenarios')))),
];
const check = process.argv.includes('--check');
let stale = 0;
for (const page of [...GENERATED_PAGES, ...TABLES]) {
  const path = join(root, page.file);
  const text = page.render();
  if (existsSync(path) && readFileSync(path, 'utf8') === text) {
    console.log(`${page.file}: up to date`);
    continue;
  }
  stale++;
  if (check) {
    console.error(`${page.file}: out of date; run npm run docs`);
    continue;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`${page.file}: written`);
}
if (check && stale) process.exit(1);
