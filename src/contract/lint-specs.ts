/**
 * Spec lint: every spec is valid OpenAPI 3.1, passes Spectral's `spectral:oas` ruleset with no
 * errors, has unique operationIds and follows specs/CONVENTIONS.md, and every example validates
 * against its schema (JSON carried in form fields included). Messages name file:line.
 */
import { relative } from 'node:path';
import { parseDocument } from 'yaml';
import { lineOf } from './yaml-lines.js';
import { compileContract } from './compile-contract.js';
import { checkExample, coercingAjv, exampleSites } from './example-checks.js';
import type { LintMessage, MessageAt } from './lint-message.js';
import { linkProblems } from './link-checks.js';
import { mockStateMessages } from './lint-message.js';
import { defaultSpecsDir, loadSpecs, packageRoot, type SpecDocument } from './load-specs.js';
import { openApiSchemaErrors } from './openapi-validity.js';
import { spectralMessages } from './spectral.js';
import type { JsonObject } from './types.js';

export type { LintMessage } from './lint-message.js';
export { lineOf };
export { checkExample, coercingAjv, exampleLabel, exampleSites, type ExampleSite } from './example-checks.js';
export { linkProblems } from './link-checks.js';
export { findSpectral, spectralMissing, spectralRuleset } from './spectral.js';
export { lintServedSpecs } from './lint-served-specs.js';

/** A spec's OpenAPI faults: a version other than 3.1, then each error the OpenAPI schema finds. */
async function openApiMessages(spec: SpecDocument, at: MessageAt): Promise<LintMessage[]> {
  const errors = await openApiSchemaErrors(spec.raw);
  const messages: LintMessage[] = [];
  if ((spec.raw['openapi'] as string | undefined)?.startsWith('3.1') !== true) {
    messages.push(
      at(spec, {
        pointer: '/openapi',
        severity: 'error',
        rule: 'openapi-3.1',
        message: `openapi must be 3.1.x, found ${String(spec.raw['openapi'])}`,
      }),
    );
  }
  for (const message of errors)
    messages.push(at(spec, { pointer: '', severity: 'error', rule: 'openapi-schema', message }));
  return messages;
}

/** Each error catalogue entry without a usable x-http-status (an integer 200-599). */
function catalogueStatusMessages(spec: SpecDocument, at: MessageAt): LintMessage[] {
  const messages: LintMessage[] = [];
  ((spec.raw['x-error-catalog'] ?? []) as JsonObject[]).forEach((entry, i) => {
    const status = entry['x-http-status'];
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
      messages.push(
        at(spec, {
          pointer: `/x-error-catalog/${i}`,
          severity: 'error',
          rule: 'x-http-status',
          message: `catalogue entry ${String(entry['key'])} needs x-http-status (the HTTP status serve --http-status mapped answers it with), an integer 200-599`,
        }),
      );
    }
  });
  return messages;
}

/** What a spec that compiled into the contract still breaks: catalogue statuses, links, examples. */
function contentMessages(
  spec: SpecDocument,
  at: MessageAt,
  ajv: ReturnType<typeof compileContract>['ajv'],
  coercing: Awaited<ReturnType<typeof coercingAjv>>,
): LintMessage[] {
  const messages = catalogueStatusMessages(spec, at);
  for (const p of linkProblems(spec.document)) messages.push(at(spec, { ...p, severity: 'error', rule: 'link' }));
  messages.push(...mockStateMessages(spec, at, ajv));
  for (const site of exampleSites(spec.document)) {
    for (const message of checkExample(site, ajv, coercing))
      messages.push(at(spec, { pointer: site.pointer, severity: 'error', rule: 'example-valid', message }));
  }
  return messages;
}

/** Lints the specs in `dir` (the four by default): OpenAPI 3.1, the conventions, catalogue, links, examples, Spectral. */
export async function lintSpecs(options: { dir?: string; spectral?: boolean } = {}): Promise<LintMessage[]> {
  const messages: LintMessage[] = [];
  const specs = await loadSpecs(options.dir);
  // Named by where they are: `specs/` in a checkout, `node_modules/contract-mock/specs/` in a project that installed it.
  const shownDir = `${relative(process.cwd(), options.dir ?? defaultSpecsDir()) || '.'}/`;
  const docs = new Map(specs.map((s) => [s.file, parseDocument(s.text)]));
  const at: MessageAt = (spec, m) => ({
    file: relative(process.cwd(), spec.file) || spec.file,
    line: lineOf(docs.get(spec.file)!, spec.text, m.pointer),
    ...m,
  });
  for (const spec of specs) messages.push(...(await openApiMessages(spec, at)));

  let contract: ReturnType<typeof compileContract> | undefined;
  try {
    contract = compileContract(specs);
  } catch (e) {
    // Conventions (unique operationIds across specs, x-codes in the catalogue, roles) are enforced by the compiler.
    messages.push({
      file: shownDir,
      line: 1,
      pointer: '',
      severity: 'error',
      rule: 'conventions',
      message: (e as Error).message,
    });
  }
  if (contract) {
    const coercing = await coercingAjv();
    for (const spec of specs) messages.push(...contentMessages(spec, at, contract.ajv, coercing));
  }
  if (options.spectral !== false)
    messages.push(
      ...spectralMessages(
        specs.map((s) => s.file),
        packageRoot(),
        shownDir,
      ),
    );
  return messages;
}
