/**
 * Dialect diff: the changes to what every answer of an API is wrapped in (`x-dialect` envelopes and code
 * pointers) and to its error catalogue (`x-error-catalog`), for spec-diff.ts. Knows nothing of operations
 * beyond which envelope each one answers in.
 */
import type { JsonObject } from '../contract/types.js';
import { escape, isObject, same } from './schema-diff.js';
import type { OperationAt, SpecChange } from './spec-diff.js';

/** `x-dialect` envelopes and code pointers, and `x-error-catalog` bodies: what every answer of the API is wrapped in. */
export function diffDialect(
  oldDoc: JsonObject,
  newDoc: JsonObject,
  api: string,
  oldOps: Map<string, OperationAt>,
  out: SpecChange[],
): void {
  const da = isObject(oldDoc['x-dialect']) ? oldDoc['x-dialect'] : {};
  const db = isObject(newDoc['x-dialect']) ? newDoc['x-dialect'] : {};
  const whole = { api, operationId: null, side: 'response' as const };
  const ea = isObject(da['envelopes']) ? da['envelopes'] : {};
  const eb = isObject(db['envelopes']) ? db['envelopes'] : {};
  for (const name of new Set([...Object.keys(ea), ...Object.keys(eb)])) {
    if (same(ea[name], eb[name])) continue;
    // Every call of an operation answered in this envelope sees the change: one entry per operation, so usage is per operation.
    const users = [...oldOps.values()].filter((op) => (op.node['x-envelope'] ?? 'default') === name);
    for (const op of users.length ? users : [undefined]) {
      out.push({
        ...whole,
        operationId: op ? String(op.node['operationId'] ?? '') || null : null,
        method: op?.method,
        path: op?.path,
        kind: 'envelope-changed',
        breaking: true,
        message: `envelope "${name}" changed`,
        oldPointer: `/x-dialect/envelopes/${escape(name)}`,
        newPointer: `/x-dialect/envelopes/${escape(name)}`,
        touch: { kind: 'any' },
      });
    }
  }
  for (const k of ['codePointers', 'messagePointer', 'successCodes']) {
    if (!same(da[k], db[k]))
      out.push({
        ...whole,
        kind: 'envelope-changed',
        breaking: true,
        message: `x-dialect ${k} changed: ${JSON.stringify(da[k])} → ${JSON.stringify(db[k])}`,
        oldPointer: `/x-dialect/${k}`,
        newPointer: `/x-dialect/${k}`,
        touch: { kind: 'any' },
      });
  }
  diffCatalog(oldDoc, newDoc, api, out);
}

/** `x-error-catalog`: an entry removed or changed breaks every client that handles its code. */
function diffCatalog(oldDoc: JsonObject, newDoc: JsonObject, api: string, out: SpecChange[]): void {
  const whole = { api, operationId: null, side: 'response' as const };
  const ca = Array.isArray(oldDoc['x-error-catalog']) ? (oldDoc['x-error-catalog'] as JsonObject[]) : [];
  const cb = Array.isArray(newDoc['x-error-catalog']) ? (newDoc['x-error-catalog'] as JsonObject[]) : [];
  ca.forEach((entry, i) => {
    const j = cb.findIndex((e) => e['key'] === entry['key']);
    const code = String(entry['code'] ?? entry['key']);
    if (j < 0)
      return void out.push({
        ...whole,
        kind: 'catalog-entry-removed',
        breaking: true,
        message: `business code ${code} removed from the catalogue`,
        oldPointer: `/x-error-catalog/${i}`,
        newPointer: '/x-error-catalog',
        touch: { kind: 'code', codes: [code] },
      });
    const other = cb[j]!;
    for (const field of ['code', 'message', 'body']) {
      if (!same(entry[field], other[field]))
        out.push({
          ...whole,
          kind: 'catalog-entry-changed',
          breaking: true,
          message: `business code ${code}: ${field} ${JSON.stringify(entry[field])} → ${JSON.stringify(other[field])}`,
          oldPointer: `/x-error-catalog/${i}/${field}`,
          newPointer: `/x-error-catalog/${j}/${field}`,
          touch: { kind: 'code', codes: [code] },
        });
    }
    for (const field of ['meaning', 'x-http-status']) {
      if (!same(entry[field], other[field]))
        out.push({
          ...whole,
          kind: 'catalog-note-changed',
          breaking: false,
          message: `business code ${code}: ${field} edited`,
          oldPointer: `/x-error-catalog/${i}/${field}`,
          newPointer: `/x-error-catalog/${j}/${field}`,
          touch: { kind: 'code', codes: [code] },
        });
    }
  });
}
