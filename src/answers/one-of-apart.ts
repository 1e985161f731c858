/**
 * Tells a generated object apart from the other branches of a `oneOf` it matches too; owns nothing of generation.
 *
 * A `oneOf` of object branches with no required field and no closed properties (openfigi's MappingJobResult: `{data}`
 * or `{warning}`) accepts any object in every branch, so no value the faker makes meets it "exactly once" (issue 28's
 * property test). The schema is satisfiable all the same: a field another branch declares, with a type that branch
 * refuses, keeps the value in its own branch alone (`{"data": [], "warning": 0}`). Run only on a value that failed.
 */
import type { ErrorObject } from 'ajv';
import type { JsonObject } from '../contract/types.js';

/** A response's validator as generate() gets it: ajv's, whose `errors` say where the value failed. */
export type Validator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The schema at an ajv `schemaPath` (`#/items/oneOf`) of a dereferenced schema. */
function schemaAt(root: JsonObject, schemaPath: string): unknown {
  let node: unknown = root;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (part === '') continue;
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let node = root;
  for (const part of instancePath.split('/').slice(1))
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

/** The properties a branch declares, its `allOf` members' included (nexmo's branches are each an allOf). */
function declared(schema: JsonObject | undefined): Record<string, JsonObject> {
  if (!schema || typeof schema !== 'object') return {};
  const parts = Array.isArray(schema['allOf']) ? (schema['allOf'] as JsonObject[]).map(declared) : [];
  return Object.assign({}, ...parts, schema['properties'] ?? {}) as Record<string, JsonObject>;
}

/** A value the property schema refuses by type: a number where it wants a string, else a string. */
function refusedBy(property: JsonObject): unknown {
  const types = ([] as unknown[]).concat(property['type'] ?? []);
  return types.length === 0 ? undefined : types.includes('string') ? (types.includes('number') ? false : 0) : 'x';
}

/** The `items` schema of an array schema, its `allOf` members' included. */
function itemsOf(schema: JsonObject | undefined): JsonObject | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  if (schema['items'] && typeof schema['items'] === 'object') return schema['items'] as JsonObject;
  const parts = Array.isArray(schema['allOf']) ? (schema['allOf'] as JsonObject[]) : [];
  return parts.map(itemsOf).find((s) => s !== undefined);
}

/** Where a field goes: property names, `[]` for every item of an array. */
type Refusal = { path: string[]; value: unknown };

/**
 * A field `other` declares and `own` does not, with a type `other` refuses: at the top (one `target` lacks), else the
 * same way down the properties both declare and into the items of arrays both declare. nexmo's reports are eleven
 * branches of the same top-level fields whose `records` items differ (an SMS has `client_ref`, a call `call_id`).
 */
function refusal(own: JsonObject, other: JsonObject, target: JsonObject | undefined, depth = 0): Refusal | undefined {
  const mine = declared(own);
  const theirs = declared(other);
  for (const [name, s] of Object.entries(theirs))
    if (!(name in mine) && !(target && name in target) && refusedBy(s) !== undefined)
      return { path: [name], value: refusedBy(s) };
  if (depth >= 4) return undefined;
  for (const [name, s] of Object.entries(theirs)) {
    if (!mine[name]) continue;
    const inner = refusal(mine[name], s, undefined, depth + 1);
    if (inner) return { path: [name, ...inner.path], value: inner.value };
    const [ownItems, otherItems] = [itemsOf(mine[name]), itemsOf(s)];
    const inItems = ownItems && otherItems && refusal(ownItems, otherItems, undefined, depth + 1);
    if (inItems) return { path: [name, '[]', ...inItems.path], value: inItems.value };
  }
  return undefined;
}

const isObject = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

/** Puts the value at the path, making the objects and arrays on the way (an empty array gets one item). */
function put(node: JsonObject, path: string[], value: unknown): void {
  const [name, next] = path as [string, string | undefined];
  if (next === undefined) {
    node[name] = value as JsonObject[string];
    return;
  }
  if (next !== '[]') {
    if (node[name] === undefined) node[name] = {};
    if (isObject(node[name])) put(node[name], path.slice(1), value);
    return;
  }
  if (node[name] === undefined) node[name] = [];
  const items = node[name];
  if (!Array.isArray(items)) return;
  if (items.length === 0) items.push({});
  for (const item of items) if (isObject(item)) put(item, path.slice(2), value);
}

/**
 * Adds to each object that matched several `oneOf` branches a field of each other branch with a type it refuses (at
 * the top, or deep inside properties and array items), then says whether the value now validates. Leaves the value
 * as it was when no such field is found.
 */
export function setOneOfApart(value: unknown, schema: JsonObject, validate: Validator): boolean {
  // ajv names the first two branches that pass only, so a round sets one pair apart: nexmo's eleven take ten.
  for (let round = 0; round < 16; round++) {
    if (!apart(value, schema, validate.errors ?? [])) return false;
    if (validate(value)) return true;
  }
  return false;
}

/** Sets apart what each `oneOf` error names; says whether it added a field. */
function apart(value: unknown, schema: JsonObject, errors: ErrorObject[]): boolean {
  let added = false;
  for (const e of errors) {
    const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
    if (e.keyword !== 'oneOf' || !Array.isArray(passing) || passing.length < 2) continue;
    const branches = schemaAt(schema, e.schemaPath) as JsonObject[] | undefined;
    const target = valueAt(value, e.instancePath);
    if (!Array.isArray(branches) || !isObject(target)) continue;
    // The branch the value stays in: the first for which every other passing branch has a field to refuse.
    for (const own of passing) {
      const adds: Refusal[] = [];
      for (const other of passing.filter((p) => p !== own)) {
        const found = refusal(branches[own]!, branches[other]!, target);
        if (found) adds.push(found);
      }
      if (adds.length < passing.length - 1) continue;
      for (const { path, value: v } of adds) put(target, path, v);
      added ||= adds.length > 0;
      break;
    }
  }
  return added;
}

/**
 * Draws each value a `oneOf` refuses again from one branch at a time, until the whole value validates there: GitHub's
 * event payload is a oneOf of 20-odd open kinds (a CreateEvent is a DeleteEvent too), so a draw from the whole oneOf
 * rarely lands in exactly one, while a branch drawn alone often does. Run only on a value that failed.
 */
export function drawOneBranch(
  value: unknown,
  schema: JsonObject,
  validate: Validator,
  draw: (branch: JsonObject) => unknown,
): boolean {
  for (let round = 0; round < 8; round++) {
    const e = (validate.errors ?? []).find((x) => x.keyword === 'oneOf' && x.instancePath !== '');
    if (!e) return false;
    const branches = schemaAt(schema, e.schemaPath);
    const at = e.instancePath.split('/');
    const key = at.pop()!.replace(/~1/g, '/').replace(/~0/g, '~');
    const parent = valueAt(value, at.join('/')) as Record<string, unknown> | undefined;
    if (!Array.isArray(branches) || !parent || typeof parent !== 'object') return false;
    let settled = false;
    for (const branch of branches as JsonObject[]) {
      parent[key] = draw(branch);
      if (validate(value)) return true;
      settled = !(validate.errors ?? []).some((x) => x.keyword === 'oneOf' && x.instancePath === e.instancePath);
      if (settled) break;
    }
    if (!settled) return false;
  }
  return false;
}
