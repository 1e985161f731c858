#!/usr/bin/env node
// Writes the reference pages generated from the code's catalogues (src/docs/generated-pages.ts), imported from dist/:
// `npm run docs` builds, then runs this. `node scripts/docs.mjs --check` writes nothing and exits 1 when a page is stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { GENERATED_PAGES } = await import('../dist/src/docs/generated-pages.js');
const check = process.argv.includes('--check');
let stale = 0;
for (const page of GENERATED_PAGES) {
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
