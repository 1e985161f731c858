/**
 * Checks records seeded through `POST /__mock/state` (and a scenario's `given`) against the spec's own schema of
 * each collection, so a record the handlers would misread (a numeric appid, an org with an undocumented status) is
 * refused with the field and the documented choices; an item seeded into a served spec's REST collection is checked
 * against its item schema. Each validator is compiled once, on first use; the API hot
 * path never comes here.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ApiModule, CollectionInfo } from '../apis/api-module.js';
import { newAjv, type Contract } from '../contract/compile-contract.js';
import { exactJson } from '../contract/exact-json.js';
import { linearRegExpEngine } from '../contract/linear-regexp.js';
import type { ApiName, JsonObject, RestRole } from '../contract/types.js';

export interface RecordValidators {
  /** What is wrong with one record, one sentence per problem; empty when it may be seeded. */
  check(api: ApiName, kind: string, where: string, record: JsonObject): string[];
  /** The same for an item seeded into a served spec's REST collection, against its item schema. */
  checkItem(api: ApiName, role: RestRole, where: string, record: JsonObject): string[];
}

/** The schema a seeded record meets: the spec's, not requiring request-only fields nor what `complete` fills in. */
function recordSchema(base: JsonObject, info: CollectionInfo): JsonObject {
  const properties = {
    ...((base['properties'] ?? {}) as JsonObject),
    ...Object.fromEntries((info.alsoStored ?? []).map((f) => [f, {}])),
  };
  const required = info.complete
    ? [info.key]
    : ((base['required'] ?? []) as string[]).filter((f) => !(info.notStored ?? []).includes(f));
  return { ...base, properties, required: required.filter((f) => f in properties) };
}

const fieldOf = (e: ErrorObject, where: string): string =>
  e.instancePath ? `${where}${e.instancePath.replace(/\//g, '.')}` : where;
const valueAt = (e: ErrorObject, record: JsonObject): unknown =>
  e.instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as JsonObject)[k] : undefined), record);
const isIntegerFormat = (e: ErrorObject): boolean =>
  e.keyword === 'format' && ['int32', 'int64'].includes((e.params as { format?: string }).format ?? '');

/** An integer beyond its width (int64 for a BigInt beyond it or a bare integer, else the declared format). */
function outsideSentence(e: ErrorObject, where: string, record: JsonObject): string {
  const format = isIntegerFormat(e) ? (e.params as { format: string }).format : 'int64';
  const range = format === 'int32' ? '-2147483648 to 2147483647' : '-9223372036854775808 to 9223372036854775807';
  return `${fieldOf(e, where)} is outside ${format} (${range}), got ${exactJson.stringify(valueAt(e, record))}`;
}

function sentence(e: ErrorObject, where: string, schema: JsonObject, record: JsonObject): string {
  const field = fieldOf(e, where);
  const value = valueAt(e, record);
  const got = `, got ${exactJson.stringify(value)}`;
  switch (e.keyword) {
    case 'required':
      return `${where} needs the field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'additionalProperties':
      return `${field} has no field "${(e.params as { additionalProperty: string }).additionalProperty}"; its fields are ${Object.keys((schema['properties'] ?? {}) as JsonObject).join(', ')}`;
    case 'enum':
      return `${field} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'type':
      return `${field} must be ${[(e.params as { type: string | string[] }).type].flat().join(' or ')}${got}`;
    default:
      return `${field} ${e.message ?? 'is invalid'}${got}`;
  }
}

export function recordValidators(contract: Contract, modules: Map<ApiName, ApiModule>): RecordValidators {
  const compiled = new Map<string, { validate: ValidateFunction; schema: JsonObject; name: string } | null>();
  const ajv = newAjv(false);
  const validatorOf = (
    api: ApiName,
    kind: string,
  ): { validate: ValidateFunction; schema: JsonObject; name: string } | null => {
    const id = `${api}.${kind}`;
    if (!compiled.has(id)) {
      const info = modules.get(api)?.collections[kind];
      const schemas = ((contract.apis.get(api)?.spec.document['components'] ?? {}) as JsonObject)['schemas'] as
        JsonObject | undefined;
      const base = info?.schema ? (schemas?.[info.schema] as JsonObject | undefined) : undefined;
      if (!info || !base) compiled.set(id, null);
      else {
        const schema = recordSchema(base, info);
        compiled.set(id, { validate: ajv.compile(schema), schema, name: info.schema! });
      }
    }
    return compiled.get(id)!;
  };
  const items = new Map<string, { validate: ValidateFunction; schema: JsonObject } | null>();
  // A served document's item schemas run their patterns on RE2, as its requests do (compile-contract.ts).
  let itemAjv: ReturnType<typeof newAjv> | undefined;
  const itemValidatorOf = (api: ApiName, role: RestRole): { validate: ValidateFunction; schema: JsonObject } | null => {
    const id = `${api} ${role.itemPath}`;
    itemAjv ??= newAjv(false, { regExp: linearRegExpEngine(() => {}) });
    if (!items.has(id))
      items.set(id, role.itemSchema ? { validate: itemAjv.compile(role.itemSchema), schema: role.itemSchema } : null);
    return items.get(id)!;
  };
  const problems = (
    v: { validate: ValidateFunction; schema: JsonObject } | null,
    where: string,
    record: JsonObject,
  ): string[] => {
    if (!v) return [];
    // Exact integers (BigInt, beyond 2^53) are judged on their validation copy; those beyond int64 are named so.
    const outside: string[] = [];
    if (v.validate(exactJson.holdsBigInt(record) ? exactJson.forValidation(record, outside) : record)) return [];
    const seen = new Set<string>();
    return (v.validate.errors ?? [])
      .filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword))
      .filter(
        (e) =>
          !isIntegerFormat(e) ||
          !(v.validate.errors ?? []).some((t) => t.keyword === 'type' && t.instancePath === e.instancePath),
      )
      .map((e) =>
        outside.includes(e.instancePath) || isIntegerFormat(e)
          ? outsideSentence(e, where, record)
          : sentence(e, where, v.schema, record),
      )
      .filter((s) => !seen.has(s) && seen.add(s));
  };
  return {
    check: (api, kind, where, record) => problems(validatorOf(api, kind), where, record),
    checkItem: (api, role, where, record) => problems(itemValidatorOf(api, role), where, record),
  };
}
