/** Example checks: finds every example in a document and validates it against its schema; reports nothing itself. */
import { compileContract, FORM, JSON_TYPE } from './compile-contract.js';
import { joinPointer, splitPointer } from './json-pointer.js';
import type { JsonObject } from './types.js';

/** An example in a document: where it sits, the schema it must meet, and whether it is a form value. */
export interface ExampleSite {
  pointer: string;
  schema: JsonObject;
  value: unknown;
  form: boolean;
}

/** Every `example` / `examples.*.value` under parameters, request bodies and responses, with the schema it must meet. */
export function exampleSites(doc: JsonObject): ExampleSite[] {
  const sites: ExampleSite[] = [];
  const fromHolder = (holder: JsonObject, base: string, schema: JsonObject, form: boolean): void => {
    if ('example' in holder) sites.push({ pointer: base + '/example', schema, value: holder['example'], form });
    for (const [name, ex] of Object.entries((holder['examples'] ?? {}) as Record<string, JsonObject>)) {
      if (ex && 'value' in ex)
        sites.push({ pointer: base + joinPointer('examples', name, 'value'), schema, value: ex['value'], form });
    }
  };
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in (op as JsonObject))) continue;
      const base = joinPointer('paths', path, method);
      ((op as JsonObject)['parameters'] as JsonObject[] | undefined)?.forEach((p, i) =>
        fromHolder(p, `${base}/parameters/${i}`, (p['schema'] ?? {}) as JsonObject, true),
      );
      const content = (((op as JsonObject)['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<
        string,
        JsonObject
      >;
      for (const [mt, media] of Object.entries(content))
        fromHolder(
          media,
          `${base}/requestBody/content${joinPointer(mt)}`,
          (media['schema'] ?? {}) as JsonObject,
          mt === FORM,
        );
      for (const [status, response] of Object.entries(
        ((op as JsonObject)['responses'] ?? {}) as Record<string, JsonObject>,
      )) {
        for (const [mt, media] of Object.entries((response['content'] ?? {}) as Record<string, JsonObject>)) {
          fromHolder(
            media,
            `${base}/responses/${status}/content${joinPointer(mt)}`,
            (media['schema'] ?? {}) as JsonObject,
            false,
          );
        }
      }
    }
  }
  return sites;
}

type Ajv = ReturnType<typeof compileContract>['ajv'];

/** Names an example by its operation, where it sits (response status, request body, parameter) and its name: `GET /things (listThings) response 200 example "bad"`. */
export function exampleLabel(doc: JsonObject, pointer: string): string {
  const [, path = '', method = '', place = '', ...rest] = splitPointer(pointer);
  const op = ((doc['paths'] as JsonObject | undefined)?.[path] as JsonObject | undefined)?.[method] as
    JsonObject | undefined;
  const id = typeof op?.['operationId'] === 'string' ? ` (${op['operationId']})` : '';
  const where =
    place === 'responses'
      ? ` response ${rest[0]}`
      : place === 'requestBody'
        ? ' request body'
        : place === 'parameters'
          ? ` parameter ${String(((op?.['parameters'] ?? []) as JsonObject[])[Number(rest[0])]?.['name'] ?? rest[0])}`
          : '';
  const i = rest.lastIndexOf('examples');
  const name = i >= 0 ? rest[i + 1] : 'example';
  return `${method.toUpperCase()} ${path}${id}${where} example "${name}"`;
}

/** Validates one example against its schema; for form examples also each JSON-carrying field against its contentSchema. */
export function checkExample(site: ExampleSite, ajv: Ajv, coercing: Ajv): string[] {
  const problems: string[] = [];
  const validator = (site.form ? coercing : ajv).compile(site.schema);
  const value = structuredClone(site.value);
  if (!validator(value)) return (validator.errors ?? []).map((e) => `example${e.instancePath} ${e.message}`);
  if (!site.form || !value || typeof value !== 'object') return problems;
  for (const [field, fieldSchema] of Object.entries((site.schema['properties'] ?? {}) as Record<string, JsonObject>)) {
    const raw = (value as JsonObject)[field];
    if (fieldSchema['contentMediaType'] !== JSON_TYPE || typeof raw !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      problems.push(`example field ${field} is not JSON: ${(e as Error).message}`);
      continue;
    }
    const inner = ajv.compile((fieldSchema['contentSchema'] ?? {}) as JsonObject);
    if (!inner(parsed))
      problems.push(...(inner.errors ?? []).map((e) => `example field ${field}${e.instancePath} ${e.message}`));
  }
  return problems;
}

/** A coercing ajv like the one form and query values are validated with. */
export async function coercingAjv(): Promise<Ajv> {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const addFormats = (await import('ajv-formats')).default;
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
  addFormats.default(ajv);
  return ajv;
}
