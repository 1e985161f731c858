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

/**
 * Adds to each object that matched several `oneOf` branches a field of each other branch with a type it refuses, then
 * says whether the value now validates. Leaves the value as it was when no such field is found.
 */
export function setOneOfApart(value: unknown, schema: JsonObject, validate: Validator): boolean {
  // A field added may leave the value in two other branches (nexmo's eleven): a few rounds.
  for (let round = 0; round < 4; round++) {
    apart(value, schema, validate.errors ?? []);
    if (validate(value)) return true;
  }
  return false;
}

function apart(value: unknown, schema: JsonObject, errors: ErrorObject[]): void {
  for (const e of errors) {
    const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
    if (e.keyword !== 'oneOf' || !Array.isArray(passing) || passing.length < 2) continue;
    const branches = schemaAt(schema, e.schemaPath) as JsonObject[] | undefined;
    const target = valueAt(value, e.instancePath) as JsonObject | undefined;
    if (!Array.isArray(branches) || !target || typeof target !== 'object' || Array.isArray(target)) continue;
    const fields = (i: number): Record<string, JsonObject> => declared(branches[i]);
    // The branch the value stays in: the first for which every other passing branch has a field to refuse.
    for (const own of passing) {
      const adds: Array<[string, unknown]> = [];
      for (const other of passing.filter((p) => p !== own)) {
        const field = Object.entries(fields(other)).find(
          ([name, s]) => !(name in fields(own)) && !(name in target) && refusedBy(s) !== undefined,
        );
        if (field) adds.push([field[0], refusedBy(field[1])]);
      }
      if (adds.length < passing.length - 1) continue;
      for (const [name, v] of adds) target[name] = v;
      break;
    }
  }
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
