/**
 * The hand-kept parts of the docs stay in step with the code they describe: every X-Mock-* header the source names
 * is in the header table (headers.md), every limit flag of serve has a row in limits.md, and the lifecycle page has a
 * section, with a link to its file, for each pipeline stage and names every refusal the pipeline answers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { buildProgram } from '../../src/cli/program.js';
import { MOCK_HEADERS } from '../../src/http/mock-headers.js';
import { REFUSALS } from '../../src/http/refusals.js';
import { LIMITS } from '../../src/docs/limits-page.js';

const root = packageRoot();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|js)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('docs/reference tables and the code', () => {
  test('every X-Mock-* header named in src/ is in MOCK_HEADERS', () => {
    // x-mock-admin-token is only a name the journal masks; x-mock-state is a document extension, not a header.
    const notHeaders = new Set(['x-mock-admin-token', 'x-mock-state']);
    const named = new Set(
      sourceFiles(join(root, 'src')).flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/['"](x-mock-[a-z-]+)['"]/gi)].map((m) => m[1]!.toLowerCase()),
      ),
    );
    const documented = new Set(MOCK_HEADERS.map((h) => h.name.toLowerCase()));
    const missing = [...named].filter((h) => !notHeaders.has(h) && !documented.has(h));
    expect(missing, 'add them to MOCK_HEADERS in src/http/mock-headers.ts, then npm run docs').toEqual([]);
  });

  test('every limit flag of serve has a row in limits.md', () => {
    const serve = buildProgram({ version: '0.0.0', env: {} }).commands.find((c) => c.name() === 'serve')!;
    const limitFlags = serve.options
      .map((o) => o.long!)
      .filter((f) =>
        /^--(max-|journal-(per-session|total|max-size|keep)|session-idle|request-timeout|redis-timeout)/.test(f),
      );
    const rows = new Set(LIMITS.flatMap((l) => l.flags));
    expect(
      limitFlags.filter((f) => !rows.has(f)),
      'add a row to LIMITS in src/docs/limits-page.ts',
    ).toEqual([]);
  });

  test('the lifecycle page has a section per stage, linking its file, and names every refusal the pipeline answers', () => {
    const page = readFileSync(join(root, 'docs', 'architecture', 'lifecycle.md'), 'utf8');
    for (const stage of ['receive', 'match', 'validate', 'scenario', 'handle', 'forward', 'record']) {
      expect(page).toMatch(new RegExp(`^## ${stage}\\b`, 'm'));
      expect(page).toContain(`(../../src/pipeline/${stage}.ts)`);
    }
    expect(page).toMatch(/^## respond: shape/m);
    expect(page).toMatch(/^## respond: send/m);
    const pipeline = sourceFiles(join(root, 'src', 'pipeline'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const used = [
      ...new Set([...pipeline.matchAll(/REFUSALS\.([a-zA-Z]+)/g)].map((m) => m[1]! as keyof typeof REFUSALS)),
    ];
    expect(used.length).toBeGreaterThan(5);
    for (const key of used)
      expect(page, `lifecycle.md does not name the ${REFUSALS[key].id} refusal`).toContain(`\`${REFUSALS[key].id}\``);
  });
});
