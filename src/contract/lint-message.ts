/** Lint messages: their shape and how they name a document; knows nothing of the checks that make them. */
import { relative } from 'node:path';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { isSpecUrl, type SpecDocument } from './load-specs.js';
import { checkMockState } from './mock-state-checks.js';

export interface LintMessage {
  file: string;
  line: number;
  pointer: string;
  severity: 'error' | 'warning';
  rule: string;
  message: string;
}

/** Places a message in a document: the file as shown and the line its pointer sits on. */
export type MessageAt = (spec: SpecDocument, m: Omit<LintMessage, 'file' | 'line'>) => LintMessage;

/** A document as messages name it: a URL as given, a file relative to the working folder. */
export const shownSpec = (file: string): string => (isSpecUrl(file) ? file : relative(process.cwd(), file) || file);

/** The document's x-mock-state problems (mock-state-checks.ts) as lint messages, rule `x-mock-state`. */
export const mockStateMessages = (spec: SpecDocument, at: MessageAt, ajv: Ajv2020): LintMessage[] =>
  checkMockState(spec.document, ajv).map((p) =>
    at(spec, { pointer: p.at, severity: p.severity, rule: 'x-mock-state', message: p.message }),
  );
