/**
 * Seeding records into a session (`POST /__mock/state`, a scenario's `given`): checks every record
 * first, completes the fields left out (generated, seeded), and only then writes, so a bad request
 * changes nothing.
 */
import { collectionName, type ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject } from '../contract/types.js';
import { StateLimitError, type SessionStore } from '../state/store.js';
import { FakeData, hashSeed } from './fake-data.js';
import type { RecordValidators } from './record-validators.js';

export type SeedResult = { ok: true; written: number } | { ok: false; title: string; detail: string };

const EXAMPLE = '{"platform-sync": {"apps": [{"appid": "my-app", "secret": "s3cret"}]}, "wuhan-eduyun": {"orgs": [{"org_id": "org-2"}]}}';

export async function seedState(
  env: { contract: Contract; modules: Map<ApiName, ApiModule>; seed: number; records?: RecordValidators },
  session: SessionStore,
  body: unknown,
): Promise<SeedResult> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, title: 'Bad state', detail: `Send a JSON object keyed by API name, e.g. ${EXAMPLE}` };
  const now = await session.now();
  const planned: Array<{ collection: string; key: string; record: JsonObject }> = [];
  for (const [api, kinds] of Object.entries(body as JsonObject)) {
    const module = env.modules.get(api as ApiName);
    const contract = env.contract.apis.get(api as ApiName);
    if (!module || !contract) return { ok: false, title: 'Unknown API', detail: `"${api}" is not an API; use one of ${[...env.modules.keys()].join(', ')}.` };
    if (!kinds || typeof kinds !== 'object' || Array.isArray(kinds)) return { ok: false, title: 'Bad state', detail: `"${api}" must map collection names to arrays of records, e.g. ${EXAMPLE}` };
    const schemas = ((contract.spec.document['components'] ?? {}) as JsonObject)['schemas'] as JsonObject | undefined;
    for (const [kind, records] of Object.entries(kinds as JsonObject)) {
      const info = module.collections[kind];
      if (!info) return { ok: false, title: 'Unknown collection', detail: `${api} has no collection "${kind}"; it has ${Object.keys(module.collections).join(', ')}.` };
      if (!Array.isArray(records)) return { ok: false, title: 'Bad state', detail: `${api}.${kind} must be an array of records.` };
      for (const [i, record] of records.entries()) {
        if (!record || typeof record !== 'object' || Array.isArray(record)) return { ok: false, title: 'Bad record', detail: `${api}.${kind}[${i}] must be an object.` };
        const key = (record as JsonObject)[info.key];
        if (key === undefined || key === null || key === '') return { ok: false, title: 'Bad record', detail: `${api}.${kind}[${i}] needs its key field "${info.key}" (${info.description}).` };
        // After the key: the record against the spec's own schema of the collection (compiled once per collection).
        const wrong = env.records?.check(api as ApiName, kind, `${api}.${kind}[${i}]`, record as JsonObject) ?? [];
        if (wrong.length) return { ok: false, title: 'Bad record', detail: `${wrong.join('; ')} (the record is checked against components.schemas.${info.schema} of the ${api} spec).` };
        const fake = new FakeData(hashSeed(env.seed, session.id, 'state', api, kind, String(key)));
        const generate = (name: string): JsonObject => {
          const schema = schemas?.[name];
          if (!schema) throw new Error(`${api} spec has no components.schemas.${name}`);
          return fake.fromSchema(schema as JsonObject) as JsonObject;
        };
        const full = info.complete ? info.complete(record as JsonObject, fake, { now, dialect: contract.dialect, generate }) : (record as JsonObject);
        planned.push({ collection: collectionName(api as ApiName, kind), key: String(key), record: full });
      }
    }
  }
  try {
    for (const p of planned) await session.put(p.collection, p.key, p.record);
  } catch (e) {
    if (e instanceof StateLimitError) return { ok: false, title: 'Session full', detail: e.message };
    throw e;
  }
  return { ok: true, written: planned.length };
}
