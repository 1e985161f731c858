/**
 * Verify flows derived from a document's `x-mock-state` declarations: a token issued with the seeded credentials,
 * each writable collection's record created (or upserted), read, refused as a duplicate, refused for a missing
 * reference, deleted and missed again, as `VerifyFlow` data the generic runner (run-flow.ts) sends. Steps start
 * from the operations' documented examples. Knows nothing of HTTP, nor of any one API.
 */
import type { ApiContract } from '../contract/compile-contract.js';
import { getPath } from '../contract/json-pointer.js';
import { readMockState, type ActionDecl, type CodeRef, type CollectionDecl } from '../contract/mock-state.js';
import type { JsonObject } from '../contract/types.js';
import type { VerifyFlow } from '../apis/verify-flow.js';
import { exampleCases, type RequestParts } from './build-requests.js';
import {
  dataPath,
  fieldSchema,
  isObject,
  keyFor,
  requestOf,
  setField,
  unsetField,
  type Plan,
  type Step,
  type Use,
  type Values,
} from './derived-parts.js';
import { tokenSteps } from './derive-token-steps.js';

/** Every use of the document, in document order. */
function usesOf(api: ApiContract): Use[] {
  const declared = readMockState(api.spec.document).operations;
  const uses: Use[] = [];
  for (const op of api.operations) {
    const state = declared.get(op.operationId);
    state?.branches.forEach((branch, i) =>
      uses.push({ op, branch, earlier: state.branches.slice(0, i), example: exampleCases(op)[0]!.parts }),
    );
  }
  return uses;
}

const usesHeader = (b: ActionDecl): boolean => [b.key, ...b.refs.map((r) => r.field)].some((f) => f?.in === 'header');

/** The collections the flow writes, parents (the collections their refs name) before children. */
function plansOf(uses: Use[], collections: Map<string, CollectionDecl>): Plan[] {
  const plans = new Map<string, Plan>();
  for (const use of uses) {
    const { action, collection } = use.branch;
    const c = collections.get(collection);
    if (!c || c.token || plans.has(collection) || (action !== 'create' && action !== 'upsert')) continue;
    // An update (`existing: required`) cannot create the record the flow starts from.
    if (usesHeader(use.branch) || !use.branch.key || use.branch.existing === 'required') continue;
    const named = (a: string): Use | undefined =>
      uses.find((u) => u.branch.action === a && u.branch.collection === collection && !usesHeader(u.branch));
    plans.set(collection, {
      collection: c,
      write: use,
      read: named('read'),
      del: named('delete'),
      keySchema: fieldSchema(use.op, use.branch.key),
    });
  }
  const ordered: Plan[] = [];
  const visit = (p: Plan, seen: Set<string>): void => {
    if (ordered.includes(p) || seen.has(p.collection.name)) return;
    seen.add(p.collection.name);
    for (const r of p.write.branch.refs) {
      const parent = plans.get(r.collection);
      if (parent) visit(parent, seen);
    }
    ordered.push(p);
  };
  for (const p of plans.values()) visit(p, new Set());
  return ordered;
}

/** What the step builders share: the success key, the run's keys, the requests and the checks. */
interface Helpers {
  success: string;
  keyOf(p: Plan, n: number, variant?: number): string | number;
  plan(name: string): Plan | undefined;
  showsKey(p: Plan, use: Use): (answer: JsonObject, v: Values) => string | undefined;
  refused(code: CodeRef | undefined): (answer: JsonObject) => string | undefined;
  writeRequest(p: Plan, v: Values, variant?: number): RequestParts;
  keyed(use: Use, p: Plan): (v: Values) => RequestParts;
}

function helpersFor(api: ApiContract, plans: Plan[], collections: Map<string, CollectionDecl>): Helpers {
  const dialect = api.dialect;
  const keyOf = (p: Plan, n: number, variant = 0): string | number => keyFor(p.keySchema, n, variant);
  const plan = (name: string): Plan | undefined => plans.find((p) => p.collection.name === name);
  return {
    success: dialect.catalog.find((e) => dialect.isSuccess(e.code))?.key ?? '200',
    keyOf,
    plan,
    // The answer carries the record's key when the answer is the record (or fields that include the key).
    showsKey: (p, use) => (answer, v) => {
      const a = use.branch.answer;
      if (a.kind !== 'record' && !(a.kind === 'fields' && a.fields.includes(p.collection.key))) return undefined;
      const data = getPath(answer, dataPath(api, use.op));
      const got = isObject(data) ? data[p.collection.key] : undefined;
      return String(got) === String(keyOf(p, v.n))
        ? undefined
        : `the answer's ${p.collection.key} is ${JSON.stringify(got)}, expected ${keyOf(p, v.n)}`;
    },
    // A code declared with an x-messages text: the answer's message is that text.
    refused: (code) => (answer) => {
      const text = code?.message === undefined ? undefined : dialect.maybeText(code.message);
      const got = dialect.messageOf(answer);
      return text === undefined || got === text
        ? undefined
        : `the message is ${JSON.stringify(got)}, expected x-messages ${code!.message} (${JSON.stringify(text)})`;
    },
    // The write's request: its key, and each ref naming the parent record this run wrote (or a seeded one).
    writeRequest: (p, v, variant = 0) => {
      const parts = requestOf(p.write, v);
      setField(parts, p.write.branch.key!, keyOf(p, v.n, variant));
      for (const r of p.write.branch.refs) {
        const parent = plan(r.collection);
        const c = collections.get(r.collection);
        const seeded = c?.seed[0]?.[c.key];
        if (parent) setField(parts, r.field, keyOf(parent, v.n));
        else if (seeded !== undefined) setField(parts, r.field, seeded);
        else unsetField(parts, r.field);
      }
      return parts;
    },
    keyed: (use, p) => (v) => {
      const parts = requestOf(use, v);
      setField(parts, use.branch.key!, keyOf(p, v.n));
      return parts;
    },
  };
}

/** Each collection's record written, written again (a create's duplicate) and read, parents first. */
function recordSteps(h: Helpers, plans: Plan[]): Step[] {
  return plans.flatMap((p): Step[] => {
    const { write, read } = p;
    const duplicate = write.branch.action === 'create' ? write.branch.duplicate : undefined;
    return [
      {
        label: `${write.branch.action} a ${p.collection.name} record`,
        operationId: write.op.operationId,
        request: (v) => h.writeRequest(p, v),
        expect: h.success,
        check: h.showsKey(p, write),
      },
      ...(duplicate
        ? [
            {
              label: `create it again: ${duplicate.key}`,
              operationId: write.op.operationId,
              request: (v: Values) => h.writeRequest(p, v),
              expect: duplicate.key,
              check: h.refused(duplicate),
            },
          ]
        : []),
      ...(read
        ? [
            {
              label: `read the ${p.collection.name} record`,
              operationId: read.op.operationId,
              request: h.keyed(read, p),
              expect: h.success,
              check: h.showsKey(p, read),
            },
          ]
        : []),
    ];
  });
}

/** For each ref of a write whose parent the flow writes: a new record naming a parent that does not exist. */
function refSteps(h: Helpers, plans: Plan[]): Step[] {
  return plans.flatMap((p) =>
    p.write.branch.refs.flatMap((r): Step[] => {
      const parent = h.plan(r.collection);
      if (!parent) return [];
      return [
        {
          label: `${p.write.branch.action} a ${p.collection.name} record naming a missing ${r.collection}: ${r.missing.key}`,
          operationId: p.write.op.operationId,
          request: (v) => {
            const parts = h.writeRequest(p, v, 2);
            setField(parts, r.field, h.keyOf(parent, v.n, 1));
            return parts;
          },
          expect: r.missing.key,
          check: h.refused(r.missing),
        },
      ];
    }),
  );
}

/** Children first: each record deleted, deleted again and read again (each `missing` when declared). */
function deleteSteps(h: Helpers, plans: Plan[]): Step[] {
  return [...plans].reverse().flatMap((p): Step[] => {
    const { del, read } = p;
    if (!del) return [];
    const step = (label: string, use: Use, code: CodeRef): Step => ({
      label: `${label}: ${code.key}`,
      operationId: use.op.operationId,
      request: h.keyed(use, p),
      expect: code.key,
      check: h.refused(code),
    });
    return [
      {
        label: `delete the ${p.collection.name} record`,
        operationId: del.op.operationId,
        request: h.keyed(del, p),
        expect: h.success,
      },
      ...(del.branch.missing ? [step('delete it again', del, del.branch.missing)] : []),
      ...(read?.branch.missing ? [step('read it after the delete', read, read.branch.missing)] : []),
    ];
  });
}

/**
 * The flow a document's declarations imply, or undefined when they declare nothing it can write. Credentials are
 * read as `<api>.<field>` (a `--config` file's keys), defaulting to the credential collection's first seed record.
 */
export function deriveFlow(api: ApiContract): VerifyFlow<Values> | undefined {
  // Without an envelope of its own the mock does not answer declarations (answers/declared/): nothing to derive.
  if (!api.dialect.hasEnvelope) return undefined;
  const declared = readMockState(api.spec.document);
  const collections = declared.document?.collections ?? new Map<string, CollectionDecl>();
  const uses = usesOf(api);
  const plans = plansOf(uses, collections);
  if (!plans.length) return undefined;
  const h = helpersFor(api, plans, collections);
  const token = tokenSteps(api, uses, declared.document, h.success);
  const first = plans[0]!;
  return {
    credentials: token.credentials,
    secrets: token.secrets,
    start: ({ run, credentials }) => ({
      n: Number.parseInt(run.slice(-6), 36) % 100_000_000,
      token: token.seeded ?? '',
      credentials: Object.fromEntries(
        Object.entries(token.credentials).map(([k, d]) => [k, credentials[k] ?? d ?? '']),
      ),
    }),
    steps: [
      ...token.issue,
      ...recordSteps(h, plans),
      ...refSteps(h, plans),
      ...token.refusals(first.write, (v) => h.writeRequest(first, v)),
      ...token.renew,
      ...deleteSteps(h, plans),
    ],
  };
}
