/**
 * Pact: turns a session's journal into Pact specification v4 contracts, one per API (provider): one
 * interaction per distinct request shape in first-seen order, the request and the answer the client saw,
 * form bodies as form, provider states from pact-states.ts, and matchers where a value differs run to run.
 * No secret reaches the file: a masked value becomes a placeholder example with a type matcher.
 * Knows nothing of where the calls came from or where the file goes.
 */
import { createHash } from 'node:crypto';
import type { CallRecord } from '../journal/call-record.js';
import type { JsonObject } from '../contract/types.js';
import { ProviderStates, type ProviderState } from './pact-states.js';
import type { ApiModule } from '../apis/api-module.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';

/** Pact v4, not v3: its bodies say their content type and encoding (a form body is a form, not JSON text), and pact-js 10+ and pact-core write and verify v4. */
export const PACT_SPECIFICATION = '4.0';

type Rules = Record<string, { combine: 'AND'; matchers: JsonObject[] }>;

export interface PactInteraction {
  type: 'Synchronous/HTTP';
  key: string;
  description: string;
  pending: false;
  providerStates?: ProviderState[];
  request: {
    method: string;
    path: string;
    query?: Record<string, string[]>;
    headers?: Record<string, string[]>;
    body?: PactBody;
    matchingRules?: Record<string, Rules>;
  };
  response: {
    status: number;
    headers: Record<string, string[]>;
    body?: PactBody;
    matchingRules: Record<string, Rules>;
  };
}

export interface PactBody {
  content: unknown;
  contentType: string;
  /** Our bodies are JSON or form text (the V4 schema PactFlow validates against requires the hint). */
  contentTypeHint: 'TEXT';
  encoded: false;
}

export interface Pact {
  consumer: { name: string };
  provider: { name: string };
  interactions: PactInteraction[];
  metadata: JsonObject;
}

export interface PactSource {
  /** Where each API's answers carry the business code (`x-dialect.codePointers`): matched exactly, the rest by type. */
  codePointers: (api: string) => string[];
  version: string;
}

export interface PactResult {
  pacts: Array<{ api: string; pact: Pact }>;
  /** Calls left out, and why (a request that broke the contract, an injected fault, no operation). */
  skipped: Array<{ id: string; why: string }>;
}

/** The journal's mask: `***` and eight letters (secret-mask.ts). */
const MASKED = /^\*\*\*[bcdfghjkmnpqrstv]{8}$/;
const MASK_INSIDE = /\*\*\*[bcdfghjkmnpqrstv]{8}/;
const MASKS = /\*\*\*[bcdfghjkmnpqrstv]{8}/g;
/** Date-times the mock generates from its clock (`expire`): the same example every run, matched by pattern. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/;
const DATE_TIME_EXAMPLE = '2018-07-18 17:08:43';
const rule = (matchers: JsonObject[]): { combine: 'AND'; matchers: JsonObject[] } => ({ combine: 'AND', matchers });
const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonPath = (segments: readonly string[]): string =>
  '$' +
  segments
    .map((s) => (/^[A-Za-z_][\w]*$/.test(s) ? `.${s}` : /^\d+$/.test(s) ? `[${s}]` : `['${s.replace(/'/g, "\\'")}']`))
    .join('');

/** One placeholder per distinct masked value, numbered in first-seen order, so two runs of a flow write the same file. */
class Placeholders {
  private readonly byValue = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  of = (value: unknown, field: string): unknown => {
    if (typeof value !== 'string') return value;
    // A mask inside text (URL credentials, a form pair in a string) is replaced where it stands.
    if (!MASKED.test(value))
      return MASK_INSIDE.test(value) ? value.replace(MASKS, (m) => this.of(m, field) as string) : value;
    let example = this.byValue.get(value);
    if (!example) {
      const n = (this.counts.get(field) ?? 0) + 1;
      this.counts.set(field, n);
      this.byValue.set(value, (example = `pact-example-${field.replace(/[^\w-]/g, '_')}-${n}`));
    }
    return example;
  };
}

/** Replaces masked values (and, in answers, generated date-times) in a copy of `value`; `onRule` gets each path so replaced. */
function scrub(
  value: unknown,
  path: string[],
  ph: Placeholders,
  times: boolean,
  onRule: (path: string[], matcher: JsonObject) => void,
): unknown {
  if (typeof value === 'string') {
    if (MASK_INSIDE.test(value)) {
      onRule(path, { match: 'type' });
      return ph.of(value, path[path.length - 1] ?? 'value');
    }
    if (times && DATE_TIME.test(value)) {
      onRule(path, { match: 'regex', regex: '^\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}.*$' });
      return DATE_TIME_EXAMPLE + value.slice(DATE_TIME_EXAMPLE.length);
    }
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v, i) => scrub(v, [...path, String(i)], ph, times, onRule));
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, [...path, k], ph, times, onRule)]));
  return value;
}

/** The shape of a request: which fields it sends (not their values), and the business code it got. */
function shapeOf(call: CallRecord): string {
  const keys = (v: unknown, prefix: string): string[] =>
    isObj(v)
      ? Object.keys(v)
          .sort()
          .flatMap((k) => [prefix + k, ...keys(v[k], `${prefix}${k}.`)])
      : [];
  return [
    call.api,
    call.operationId,
    call.method,
    call.response.status,
    call.response.code,
    keys(call.query, 'q.').join(','),
    keys(call.request.body, 'b.').join(','),
  ].join('|');
}

function formText(body: JsonObject): string {
  return new URLSearchParams(
    Object.entries(body).map(([k, v]): [string, string] => [
      k,
      typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v),
    ]),
  ).toString();
}

function interactionOf(
  call: CallRecord,
  states: ProviderState[],
  ph: Placeholders,
  codePointers: string[],
): PactInteraction {
  const requestRules: Record<string, Rules> = {};
  const addRequestRule = (category: string) => (path: string[], matcher: JsonObject) =>
    void ((requestRules[category] ??= {})[category === 'body' ? jsonPath(path) : path[0]!] = rule([matcher]));
  const path = call.path.split('?')[0]!;
  const query = Object.entries(scrub(call.query, [], ph, false, addRequestRule('query')) as JsonObject);
  const contentType = (call.request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  let body: PactBody | undefined;
  if (call.request.body !== undefined && call.request.body !== null && call.request.body !== '') {
    const content = scrub(call.request.body, [], ph, false, addRequestRule('body'));
    const form = contentType === 'application/x-www-form-urlencoded' && isObj(content);
    body = {
      content: form ? formText(content) : content,
      contentType: form ? contentType : 'application/json',
      contentTypeHint: 'TEXT',
      encoded: false,
    };
  }
  const responseRules: Rules = { $: rule([{ match: 'type' }]) };
  const responseBody = scrub(call.response.body, [], ph, true, (p, m) => void (responseRules[jsonPath(p)] = rule([m])));
  // The business code is the contract's point: matched exactly; every other value by type (ids, names, generated data).
  for (const pointer of codePointers) {
    const segments = pointer.split('/').slice(1);
    let v: unknown = responseBody;
    for (const s of segments) v = isObj(v) ? v[s] : undefined;
    if (v !== undefined) responseRules[jsonPath(segments)] = rule([{ match: 'equality' }]);
  }
  const description = `${call.operationId} ${call.method} ${path} answering ${call.response.code ?? call.response.status}`;
  const request: PactInteraction['request'] = {
    method: call.method,
    path,
    ...(query.length
      ? { query: Object.fromEntries(query.map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : [String(v)]])) }
      : {}),
    ...(body ? { headers: { 'Content-Type': [body.contentType] }, body } : {}),
    ...(Object.keys(requestRules).length ? { matchingRules: requestRules } : {}),
  };
  return {
    type: 'Synchronous/HTTP',
    key: '',
    description,
    pending: false,
    ...(states.length ? { providerStates: states } : {}),
    request,
    response: {
      status: call.response.status,
      headers: { 'Content-Type': ['application/json'] },
      ...(call.response.body !== undefined && call.response.body !== ''
        ? { body: { content: responseBody, contentType: 'application/json', contentTypeHint: 'TEXT', encoded: false } }
        : {}),
      matchingRules: {
        body: responseRules,
        header: { 'Content-Type': rule([{ match: 'regex', regex: '^application/json.*$' }]) },
      },
    },
  };
}

/** The fields a request sends, for telling two interactions of one operation apart. */
function fieldsOf(i: PactInteraction): string {
  const body = i.request.body?.content;
  const fields = [
    ...Object.keys(i.request.query ?? {}),
    ...(typeof body === 'string' ? [...new URLSearchParams(body).keys()] : isObj(body) ? Object.keys(body) : []),
  ];
  return fields.join(', ') || 'nothing';
}

/** Why a call is left out of the contract; undefined when it goes in. */
function leftOut(call: CallRecord): string | undefined {
  if (!call.api || !call.operationId) return 'it matched no documented operation';
  if (call.response.fault) return `a scenario injected the fault ${call.response.fault}`;
  if (call.violations.some((v) => v.side === 'request')) return 'its request broke the contract';
  return undefined;
}

export function buildPacts(
  calls: readonly CallRecord[],
  consumer: string,
  providerOf: (api: string) => string,
  source: PactSource,
  only?: string,
  modules: readonly ApiModule[] = BUILTIN_APIS,
): PactResult {
  const skipped: PactResult['skipped'] = [];
  const byApi = new Map<
    string,
    { ph: Placeholders; states: ProviderStates; shapes: Set<string>; interactions: PactInteraction[] }
  >();
  for (const call of calls) {
    if (only && call.api !== only) continue;
    const why = leftOut(call);
    if (why) {
      skipped.push({ id: call.id, why });
      continue;
    }
    let acc = byApi.get(call.api!);
    if (!acc) {
      const ph = new Placeholders();
      byApi.set(
        call.api!,
        (acc = {
          ph,
          states: new ProviderStates(
            ph.of,
            modules.find((m) => m.api === call.api),
          ),
          shapes: new Set(),
          interactions: [],
        }),
      );
    }
    // States are read for every call (a later call may rely on what a duplicate wrote); only a new shape is kept.
    const states = acc.states.of(call);
    const shape = shapeOf(call);
    if (acc.shapes.has(shape)) continue;
    acc.shapes.add(shape);
    acc.interactions.push(interactionOf(call, states, acc.ph, source.codePointers(call.api!)));
  }
  const pacts = [...byApi].map(([api, acc]) => {
    const seen = new Map<string, number>();
    for (const i of acc.interactions) {
      // Descriptions are unique within a pact (verifiers and brokers key on them).
      const n = (seen.get(i.description) ?? 0) + 1;
      seen.set(i.description, n);
      if (n > 1) i.description += ` (${n}: sending ${fieldsOf(i)})`;
      i.key = createHash('sha256')
        .update(JSON.stringify([i.description, i.providerStates ?? [], i.request]))
        .digest('hex')
        .slice(0, 16);
    }
    const pact: Pact = {
      consumer: { name: consumer },
      provider: { name: providerOf(api) },
      interactions: acc.interactions,
      metadata: {
        pactSpecification: { version: PACT_SPECIFICATION },
        'contract-mock': { version: source.version, api },
      },
    };
    return { api, pact };
  });
  return { pacts, skipped };
}
