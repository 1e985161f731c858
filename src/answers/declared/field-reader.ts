/** Reads a declared field (`body.F`, `query.F`, `path.F`, `header.F`) out of a request, as a closure built once; knows nothing of what the value is for. */
import type { IncomingHttpHeaders } from 'node:http';
import type { FieldRef } from '../../contract/mock-state.js';
import type { JsonObject } from '../../contract/types.js';
import type { RequestInput } from '../../contract/validate-request.js';

/** What a reader needs of a call: its parsed input and, for `header.F`, its headers (an effect has none). */
export interface FieldSource {
  input: RequestInput;
  headers?: IncomingHttpHeaders;
}

export type FieldReader = (from: FieldSource) => unknown;

/** A reader for one field; undefined when the request does not carry it (a form body is `body`). */
export function fieldReader(ref: Pick<FieldRef, 'in' | 'name'>): FieldReader {
  const name = ref.name;
  switch (ref.in) {
    case 'body':
      return (from) => (from.input.body as JsonObject | undefined)?.[name];
    case 'query':
      return (from) => from.input.query[name];
    case 'path':
      return (from) => from.input.params[name];
    case 'header': {
      const lower = name.toLowerCase();
      return (from) => {
        const v = from.headers?.[lower];
        return Array.isArray(v) ? v[0] : v;
      };
    }
  }
}
