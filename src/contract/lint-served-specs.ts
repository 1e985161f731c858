/**
 * Served-document lint (`lint --spec`): each document loads, is valid OpenAPI 3.0 / 3.1, is servable beside the
 * four, its examples meet their schemas, and Spectral's spectral:oas passes. The four specs' own lint is lint-specs.ts.
 */
import { parseDocument } from 'yaml';
import { lineOf } from './yaml-lines.js';
import { compileContract, newAjv } from './compile-contract.js';
import { checkExample, coercingAjv, exampleLabel, exampleSites } from './example-checks.js';
import { mockStateMessages, shownSpec, type LintMessage, type MessageAt } from './lint-message.js';
import { loadServedSpec, loadSpecs, packageRoot, type SpecDocument } from './load-specs.js';
import { openApiSchemaErrors } from './openapi-validity.js';
import { spectralMessages } from './spectral.js';

type Contract = ReturnType<typeof compileContract>;

/** Loads each document given to `--spec`; one that cannot be loaded is an error message instead. */
async function loadServed(files: string[]): Promise<{ served: SpecDocument[]; messages: LintMessage[] }> {
  const served: SpecDocument[] = [];
  const messages: LintMessage[] = [];
  for (const file of files) {
    const shown = shownSpec(file);
    try {
      served.push(await loadServedSpec(file));
    } catch (e) {
      messages.push({
        file: shown,
        line: 1,
        pointer: '',
        severity: 'error',
        rule: 'load',
        message: (e as Error).message,
      });
    }
  }
  return { served, messages };
}

/** What serving the documents beside the four would degrade: patterns RE2 cannot run, schemas that cannot compile. */
function servableMessages(contract: Contract, served: SpecDocument[], at: MessageAt): LintMessage[] {
  const messages: LintMessage[] = [];
  for (const p of contract.uncheckedPatterns) {
    const spec = served.find((s) => s.file === p.file) ?? served[0]!;
    messages.push(
      at(spec, {
        pointer: '',
        severity: 'warning',
        rule: 'pattern-unchecked',
        message: `pattern ${JSON.stringify(p.pattern)} is not checked: patterns run on RE2, in time linear in the value, and RE2 cannot run this one (${p.reason})`,
      }),
    );
  }
  // A schema that cannot be compiled degrades its operation when served (compile-served-spec.ts): an error here.
  for (const p of contract.documentProblems) {
    const spec = served.find((s) => s.file === p.file);
    if (spec && p.kind === 'schema')
      messages.push(at(spec, { pointer: p.pointer, severity: 'error', rule: 'schema-compile', message: p.message }));
  }
  return messages;
}

/** Each example of a served document that breaks its schema, named by its operation and place. */
async function exampleMessages(contract: Contract, served: SpecDocument[], at: MessageAt): Promise<LintMessage[]> {
  const messages: LintMessage[] = [];
  const coercing = await coercingAjv();
  for (const spec of served) {
    for (const site of exampleSites(spec.document)) {
      let problems: string[];
      try {
        problems = checkExample(site, contract.ajv, coercing);
      } catch (e) {
        problems = [`schema cannot be compiled: ${(e as Error).message}`];
      }
      const label = exampleLabel(spec.document, site.pointer);
      for (const message of problems)
        messages.push(
          at(spec, {
            pointer: site.pointer,
            severity: 'error',
            rule: 'example-valid',
            message: `${label}: ${message}`,
          }),
        );
    }
  }
  return messages;
}

/**
 * Lints documents given to `--spec`: valid OpenAPI 3.0 / 3.1, servable beside the four (it loads, its
 * schemas compile, no path or name collides), every example meets its schema, Spectral's spectral:oas.
 */
export async function lintServedSpecs(files: string[], options: { spectral?: boolean } = {}): Promise<LintMessage[]> {
  const { served, messages } = await loadServed(files);
  const docs = new Map(served.map((s) => [s.file, parseDocument(s.text)]));
  const at: MessageAt = (spec, m) => ({
    file: shownSpec(spec.file),
    line: /^\s*\{/.test(spec.text) ? 1 : lineOf(docs.get(spec.file)!, spec.text, m.pointer),
    ...m,
  });
  for (const spec of served)
    for (const message of await openApiSchemaErrors(spec.raw))
      messages.push(at(spec, { pointer: '', severity: 'error', rule: 'openapi-schema', message }));
  let contract: Contract | undefined;
  if (served.length) {
    try {
      contract = compileContract([...(await loadSpecs()), ...served]);
    } catch (e) {
      messages.push({
        file: served[0]!.file,
        line: 1,
        pointer: '',
        severity: 'error',
        rule: 'servable',
        message: (e as Error).message,
      });
    }
  }
  if (contract)
    messages.push(...servableMessages(contract, served, at), ...(await exampleMessages(contract, served, at)));
  // Declarations are checked whether or not the documents compile beside the four: they name their own faults.
  const ajv = contract?.ajv ?? newAjv(false);
  for (const spec of served) messages.push(...mockStateMessages(spec, at, ajv));
  if (options.spectral !== false && served.length)
    messages.push(
      ...spectralMessages(
        served.map((s) => s.file),
        packageRoot(),
        shownSpec(served[0]!.file),
      ),
    );
  return messages;
}
