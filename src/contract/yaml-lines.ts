/** Line numbers in YAML files for messages that name file:line (lint, scenario loading). */
import { createRequire } from 'node:module';
import type { Document as YamlDocument } from 'yaml';
import { splitPointer } from './json-pointer.js';

/** The YAML line (1-based) of a JSON pointer into the document, or of its nearest ancestor that exists. */
export function lineOf(doc: YamlDocument, text: string, pointer: string): number {
  // Required on first use: loading this module must not load the YAML parser.
  const { isNode } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const segments = splitPointer(pointer);
  for (;;) {
    const node = doc.getIn(segments, true);
    if (isNode(node) && node.range) return text.slice(0, node.range[0]).split('\n').length;
    if (!segments.length) return 1;
    segments.pop();
  }
}
