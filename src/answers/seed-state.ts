/**
 * Seeding records into a session (`POST /__mock/state`, a scenario's `given`), for the four APIs' collections
 * and a served spec's REST collections alike: checks every record first, completes the fields left out (generated, seeded), and only then writes, so a bad request
 * changes nothing.
 */
import { collectionName, type ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject, RestRole } from '../contract/types.js';
import { StateLimitError, type SessionStore } from '../state/store.js';
import { FakeData, hashSeed } from './fake-data.js';
import type { RecordValidators } from './record-validators.js';
import { REFUSALS, type Refusal } from '../http/refusals.js';
import { completeItem, newId } from './rest-state.js';

export type SeedResult = { ok: true; written: number } | { ok: false; refusal: Refusal; detail: string };

const EXAMPLE =
  '{"platform-sync": {"apps": [{"appid": "my-app", "secret": "s3cret"}]}, "wuhan-eduyun": {"orgs": [{"org_id": "org-2"}]}}';

/** The REST role of the collection at a concrete path (`/api/pets`, `/owners/7/pets`), matched against each item path's collection part. */
function collectionRole(env: SeedEnv, api: ApiName, path: string): RestRole | undefined {
  for (const op of env.contract.operations) {
    const role = op.api === api ? op.rest : undefined;
    if (!role) continue;
    const template = role.itemPath.slice(0, role.itemPath.lastIndexOf('/'));
    const pattern = new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}$`,
    );
    if (pattern.test(path)) return role;
  }
  return undefined;
}

/** Plans the items of a served spec's collections; a problem when one cannot be seeded (nothing is written then). */
function planServed(
  env: SeedEnv,
  session: SessionStore,
  api: ApiName,
  kinds: JsonObject,
  planned: Planned[],
): Extract<SeedResult, { ok: false }> | undefined {
  const templates = [
    ...new Set(
      env.contract.operations
        .filter((o) => o.api === api && o.rest)
        .map((o) => o.rest!.itemPath.slice(0, o.rest!.itemPath.lastIndexOf('/'))),
    ),
  ];
  if (!templates.length)
    return {
      ok: false,
      refusal: REFUSALS.unknownCollection,
      detail: `${api} has no REST collections to seed (no path pair like /things and /things/{id}; see docs/guides/any-document.md, REST-shaped state).`,
    };
  for (const [path, records] of Object.entries(kinds)) {
    const role = collectionRole(env, api, path);
    if (!role)
      return {
        ok: false,
        refusal: REFUSALS.unknownCollection,
        detail: `${api} has no collection "${path}"; name one by its concrete path as GET /__mock/state shows it: ${templates.join(', ')} (a {param} filled in).`,
      };
    if (!Array.isArray(records))
      return { ok: false, refusal: REFUSALS.badState, detail: `${api}.${path} must be an array of items.` };
    for (const [i, record] of records.entries()) {
      const where = `${api}["${path}"][${i}]`;
      if (!record || typeof record !== 'object' || Array.isArray(record))
        return { ok: false, refusal: REFUSALS.badRecord, detail: `${where} must be an object.` };
      const key = (record as JsonObject)[role.idField];
      // Without its id, the item gets the one a create would (after every item is checked, so a refused seed takes no id).
      const unnamed = key === undefined;
      if (key === null || key === '' || typeof key === 'object')
        return {
          ok: false,
          refusal: REFUSALS.badRecord,
          detail: `${where} has an id field "${role.idField}" that is no id (the ${role.itemPath} path parameter); leave it out to have one given.`,
        };
      const fake = new FakeData(hashSeed(env.seed, session.id, 'state', api, path, unnamed ? `#${i}` : String(key)));
      // Fields the schema requires (or marks readOnly) and the item leaves out are generated, as a create does; the whole item must then be one its read answers.
      const full = completeItem(role, record as JsonObject, unnamed ? PLACEHOLDER_ID[role.idType] : key, fake);
      const wrong = env.records?.checkItem(api, role, where, full) ?? [];
      if (wrong.length)
        return {
          ok: false,
          refusal: REFUSALS.badRecord,
          detail: `${wrong.join('; ')} (the item is checked against the ${role.itemPath} item schema of the ${api} spec).`,
        };
      planned.push({
        collection: collectionName(api, path),
        key: unnamed ? undefined : String(key),
        record: full,
        ...(unnamed && { id: { role, fake } }),
      });
    }
  }
  return undefined;
}

type SeedEnv = { contract: Contract; modules: Map<ApiName, ApiModule>; seed: number; records?: RecordValidators };
/** A seeded item without its id: its record, checked with an id of the right type in place of the one it is then given. */
type Planned = {
  collection: string;
  key: string | undefined;
  record: JsonObject;
  id?: { role: RestRole; fake: FakeData };
};
const PLACEHOLDER_ID: Record<RestRole['idType'], string | number> = {
  integer: 1,
  string: '1',
  uuid: '00000000-0000-4000-8000-000000000000',
};

export async function seedState(env: SeedEnv, session: SessionStore, body: unknown): Promise<SeedResult> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, refusal: REFUSALS.badState, detail: `Send a JSON object keyed by API name, e.g. ${EXAMPLE}` };
  const now = await session.now();
  const planned: Planned[] = [];
  for (const [api, kinds] of Object.entries(body as JsonObject)) {
    const module = env.modules.get(api as ApiName);
    const contract = env.contract.apis.get(api as ApiName);
    if (!contract)
      return {
        ok: false,
        refusal: REFUSALS.stateUnknownApi,
        detail: `"${api}" is not an API; use one of ${[...env.contract.apis.keys()].join(', ')}.`,
      };
    if (!kinds || typeof kinds !== 'object' || Array.isArray(kinds))
      return {
        ok: false,
        refusal: REFUSALS.badState,
        detail: `"${api}" must map collection names to arrays of records, e.g. ${EXAMPLE}`,
      };
    if (!module) {
      // A served spec (serve --spec): its REST collections, by the concrete path GET /__mock/state shows.
      const problem = planServed(env, session, api as ApiName, kinds as JsonObject, planned);
      if (problem) return problem;
      continue;
    }
    const schemas = ((contract.spec.document['components'] ?? {}) as JsonObject)['schemas'] as JsonObject | undefined;
    for (const [kind, records] of Object.entries(kinds as JsonObject)) {
      const info = module.collections[kind];
      if (!info)
        return {
          ok: false,
          refusal: REFUSALS.unknownCollection,
          detail: `${api} has no collection "${kind}"; it has ${Object.keys(module.collections).join(', ')}.`,
        };
      if (!Array.isArray(records))
        return { ok: false, refusal: REFUSALS.badState, detail: `${api}.${kind} must be an array of records.` };
      for (const [i, record] of records.entries()) {
        if (!record || typeof record !== 'object' || Array.isArray(record))
          return { ok: false, refusal: REFUSALS.badRecord, detail: `${api}.${kind}[${i}] must be an object.` };
        const key = (record as JsonObject)[info.key];
        if (key === undefined || key === null || key === '')
          return {
            ok: false,
            refusal: REFUSALS.badRecord,
            detail: `${api}.${kind}[${i}] needs its key field "${info.key}" (${info.description}).`,
          };
        // After the key: the record against the spec's own schema of the collection (compiled once per collection).
        const wrong = env.records?.check(api as ApiName, kind, `${api}.${kind}[${i}]`, record as JsonObject) ?? [];
        if (wrong.length)
          return {
            ok: false,
            refusal: REFUSALS.badRecord,
            detail: `${wrong.join('; ')} (the record is checked against components.schemas.${info.schema} of the ${api} spec).`,
          };
        const fake = new FakeData(hashSeed(env.seed, session.id, 'state', api, kind, String(key)));
        const generate = (name: string): JsonObject => {
          const schema = schemas?.[name];
          if (!schema) throw new Error(`${api} spec has no components.schemas.${name}`);
          return fake.fromSchema(schema as JsonObject) as JsonObject;
        };
        const full = info.complete
          ? info.complete(record as JsonObject, fake, { now, dialect: contract.dialect, generate })
          : (record as JsonObject);
        planned.push({ collection: collectionName(api as ApiName, kind), key: String(key), record: full });
      }
    }
  }
  try {
    // Items with their ids first, so an item without one never gets an id another item of this seed names.
    for (const p of planned) if (p.key !== undefined) await session.put(p.collection, p.key, p.record);
    for (const p of planned) {
      if (!p.id) continue;
      const id = await newId(p.id.role, session, p.collection, p.id.fake);
      await session.put(p.collection, String(id), { ...p.record, [p.id.role.idField]: id });
    }
  } catch (e) {
    if (e instanceof StateLimitError) return { ok: false, refusal: REFUSALS.seedOverLimit, detail: e.message };
    throw e;
  }
  return { ok: true, written: planned.length };
}
