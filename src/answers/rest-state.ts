/**
 * REST-shaped state for a served spec, per session through the Store: create, list, read, replace,
 * merge and delete the items of a collection, as rest-shape.ts inferred them. A collection is keyed
 * by its concrete path (`petstore:/api/pets`, `shop:/owners/7/pets`); an item by its id as text.
 * Under overlay (the default; issue 28) an item the session has not touched exists as the document's
 * example (or data seeded by session, collection and id) until the session deletes it: a deleted id
 * is kept in `#deleted:<collection>`. Under strict an item exists only once created.
 */
import { exactJson } from '../contract/exact-json.js';
import { propertiesOf } from '../contract/rest-shape.js';
import type { JsonObject, Operation, RestRole } from '../contract/types.js';
import type { RequestInput } from '../contract/validate-request.js';
import type { SessionStore } from '../state/store.js';
import type { FakeData } from './fake-data.js';
import { generate, type Answer } from './examples.js';
import type { Validator } from './one-of-apart.js';

export type RestOutcome =
  { kind: 'answer'; answer: Answer } | { kind: 'missing'; id: string } | { kind: 'conflict'; id: string };

/**
 * Sets a field as JSON.parse makes one, an own property even when it is named `__proto__` (assignment would take
 * it as the object's prototype). Request bodies never hold one (validate-request drops it); seeded items may.
 */
function setField(out: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value as JsonObject[string];
}

function copyInto(out: JsonObject, from: JsonObject): void {
  for (const k of Object.keys(from)) setField(out, k, from[k]);
}

/**
 * `{ ...from, [key]: value }` for a record to store, field by field into `out`: V8 sizes a spread copy to the fields
 * copied, and the one added after them goes to a property store of its own, with room to grow; a stored record lives
 * as long as its session (a petstore pet took 308 bytes so, 116 this way).
 */
function withField(from: JsonObject, key: string, value: unknown, out: JsonObject = {}): JsonObject {
  copyInto(out, from);
  setField(out, key, value);
  return out;
}

/** The request's (or a seeded item's) fields with its id, plus generated ones for what the schema requires or marks read-only and it leaves out. */
export function completeItem(role: RestRole, partial: JsonObject, id: unknown, fake: FakeData): JsonObject {
  let missing: string[] | undefined;
  for (const k of role.filled) if (!(k in partial) && k !== role.idField) (missing ??= []).push(k);
  const out: JsonObject = {};
  if (missing) {
    const generated = generate(role.itemSchema!, undefined, fake);
    if (generated && typeof generated === 'object' && !Array.isArray(generated))
      for (const k of missing) if (k in generated) setField(out, k, (generated as JsonObject)[k]);
  }
  return withField(partial, role.idField, id, out);
}

/** RFC 7396 JSON merge patch: objects merge, `null` removes a field, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: JsonObject = {};
  if (target && typeof target === 'object' && !Array.isArray(target)) copyInto(out, target as JsonObject);
  for (const [k, v] of Object.entries(patch as JsonObject)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as JsonObject[string];
  }
  return out;
}

function uuidFrom(fake: FakeData): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(fake.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 3) | 8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id of a new item: the next free number of the collection (as a create or a seed without an id gets it), or a seeded UUID. */
export async function newId(
  role: RestRole,
  session: SessionStore,
  collection: string,
  fake: FakeData,
): Promise<string | number> {
  if (role.idType === 'uuid') return uuidFrom(fake);
  for (let i = 0; i < 1000; i++) {
    const n = await session.nextSeq(`${collection}#id`);
    if ((await session.get(collection, String(n))) === undefined) return role.idType === 'integer' ? n : String(n);
  }
  return uuidFrom(fake);
}

const trim = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

/** The concrete collection path of a request: the path itself for create and list, without the id for the rest. */
function collectionOf(role: RestRole, pathname: string, api: string): string {
  const path = trim(pathname);
  return `${api}:${role.kind === 'create' || role.kind === 'list' ? path : path.slice(0, path.lastIndexOf('/'))}`;
}

/** The body of a success answer: the record when the response documents one, else nothing or the spec's own. */
function body(op: Operation, record: unknown, fake: FakeData): Pick<Answer, 'body' | 'text' | 'contentType'> {
  const success = op.success;
  if (!success.schema) return { body: undefined, text: '' };
  // A record holding exact integers (BigInt, beyond 2^53) is judged on its validation copy, as every answer is.
  if (!success.validate || success.validate(exactJson.holdsBigInt(record) ? exactJson.forValidation(record) : record))
    return { body: record };
  return { body: generate(success.schema, success.validate, fake) };
}

const successStatus = (op: Operation): number => (/^\d{3}$/.test(op.success.status) ? Number(op.success.status) : 200);

/** Seeded data for an untouched item (overlay), the same for the same session, collection and id; undefined under strict. */
export type ItemFake = ((collection: string, id: string) => FakeData) | undefined;

/** The ids a session deleted (overlay), apart from every API's collections (no API name starts with `#`), so GET /__mock/state does not list them. */
const deletedOf = (collection: string): string => `#deleted:${collection}`;

/** The id as the item's id field holds it: a number for integer ids written as one. */
function typedId(role: RestRole, id: string): string | number {
  if (role.idType !== 'integer' || !/^-?\d{1,15}$/.test(id)) return id;
  return Number(id);
}

/** A schema that declares its fields and refuses others (`additionalProperties: false`): it has no room for an id of the mock's. */
const closedWithout = (schema: JsonObject | undefined, field: string): boolean =>
  schema?.['additionalProperties'] === false && !(field in propertiesOf(schema));

/**
 * An untouched item as if it existed: the documented item, else data generated from the item's schema (drawn until
 * `validate` accepts it, when the caller has the item's validator: the read's), with its id in its id field unless
 * the schema is closed and declares none (parliament.uk's items).
 */
export function untouchedItem(
  role: RestRole,
  collection: string,
  id: string,
  itemFake: NonNullable<ItemFake>,
  validate?: Validator,
): JsonObject {
  let base: unknown = role.itemExample && structuredClone(role.itemExample);
  if (base === undefined) base = role.itemSchema ? generate(role.itemSchema, validate, itemFake(collection, id)) : {};
  const item = base && typeof base === 'object' && !Array.isArray(base) ? (base as JsonObject) : {};
  if (closedWithout(role.itemSchema, role.idField)) return item;
  return withField(item, role.idField, typedId(role, id));
}

/** The item with this id: the session's, else (overlay) the untouched one unless the session deleted it. */
async function itemOf(
  role: RestRole,
  collection: string,
  id: string,
  session: SessionStore,
  itemFake: ItemFake,
  validate: Validator | undefined,
): Promise<{ item: JsonObject; stored: boolean } | undefined> {
  const stored = await session.get<JsonObject>(collection, id);
  if (stored !== undefined) return { item: stored, stored: true };
  if (!itemFake || (await session.get(deletedOf(collection), id)) !== undefined) return undefined;
  return { item: untouchedItem(role, collection, id, itemFake, validate), stored: false };
}

/** Stores a created item; under overlay a create brings back an id the session had deleted. */
async function store(
  session: SessionStore,
  collection: string,
  id: string,
  record: JsonObject,
  itemFake: ItemFake,
): Promise<void> {
  if (itemFake) await session.delete(deletedOf(collection), id);
  await session.put(collection, id, record);
}

/**
 * The answer of an operation with a REST role. `itemFake` (overlay) makes untouched items exist; without it (strict,
 * `--rest-state strict` or `x-mock-state: strict`) an item exists only once created.
 */
export async function restAnswer(
  op: Operation,
  role: RestRole,
  input: RequestInput,
  pathname: string,
  session: SessionStore,
  fake: FakeData,
  itemFake?: ItemFake,
): Promise<RestOutcome> {
  const collection = collectionOf(role, pathname, op.api);
  const status = successStatus(op);
  const ok = (b: Pick<Answer, 'body' | 'text' | 'contentType'>, headers: Record<string, string> = {}): RestOutcome => ({
    kind: 'answer',
    answer: { status, headers, ...b },
  });
  const requestBody = (input.body ?? {}) as JsonObject;
  if (role.kind === 'create') {
    const sent = requestBody[role.idField];
    const given = sent !== undefined && sent !== null && sent !== '';
    const id = given ? (sent as string | number) : await newId(role, session, collection, fake);
    if (given && (await session.get(collection, String(id))) !== undefined && op.responses.has('409'))
      return { kind: 'conflict', id: String(id) };
    const record = completeItem(role, requestBody, id, fake);
    await store(session, collection, String(id), record, itemFake);
    return ok(body(op, record, fake), { Location: `${trim(pathname)}/${encodeURIComponent(String(id))}` });
  }
  if (role.kind === 'list') {
    let items = await session.list<JsonObject>(collection);
    // Overlay: the document's listed items until the session writes to the collection (README "REST-shaped state").
    if (
      itemFake &&
      role.listExample !== undefined &&
      items.length === 0 &&
      (await session.list(deletedOf(collection))).length === 0
    )
      return ok({ body: structuredClone(role.listExample) });
    for (const [k, v] of Object.entries(input.query)) {
      if (k === role.idField || !role.fields.includes(k) || v === undefined || typeof v === 'object') continue;
      items = items.filter((item) => String(item[k]) === String(v));
    }
    const limit = Number(input.query['limit'] ?? input.query['pageSize'] ?? input.query['per_page']);
    if (Number.isInteger(limit) && limit >= 0) items = items.slice(0, limit);
    if (role.listProperty === undefined) return ok({ body: items });
    const success = op.success;
    const page = (
      success.examples.size
        ? structuredClone(success.examples.values().next().value)
        : generate(success.schema!, undefined, fake)
    ) as JsonObject;
    const out: JsonObject = page && typeof page === 'object' && !Array.isArray(page) ? page : {};
    out[role.listProperty] = items;
    for (const k of ['total', 'count', 'totalCount', 'total_count'])
      if (typeof out[k] === 'number') out[k] = items.length;
    return ok({ body: out });
  }
  const id = String(input.params[role.param]);
  // The read's validator is the item's (rest-shape.ts takes the read's schema as the item's): its draws are redrawn until valid.
  const validate = op.success.schema === role.itemSchema ? op.success.validate : undefined;
  const found = await itemOf(role, collection, id, session, itemFake, validate);
  if (found === undefined) return { kind: 'missing', id };
  const existing = found.item;
  if (role.kind === 'read') return ok(body(op, existing, fake));
  if (role.kind === 'delete') {
    if (found.stored) await session.delete(collection, id);
    // Overlay: a deleted item stays deleted (it would exist again as untouched).
    if (itemFake) await session.put(deletedOf(collection), id, true);
    return ok(body(op, existing, fake));
  }
  const next =
    role.kind === 'replace'
      ? completeItem(role, requestBody, existing[role.idField], fake)
      : withField(mergePatch(existing, requestBody) as JsonObject, role.idField, existing[role.idField]);
  await session.put(collection, id, next);
  return ok(body(op, next, fake));
}
