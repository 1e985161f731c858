/**
 * Infers the REST shape of a served document, once at start-up: which operations create, list,
 * read, replace, merge and delete the items of a collection, from the paths (`/things` and
 * `/things/{id}`), the methods, the path parameter and the schemas. `x-mock-state: false` on an
 * operation or a path item leaves it out. docs/guides/any-document.md (REST-shaped state) states the rules.
 */
import { defaultExampleName } from './compile-responses.js';
import type { JsonObject, Operation, RestRole } from './types.js';

export interface ShapeInput {
  op: Operation;
  /** The operation's parameters, path item's included. */
  params: JsonObject[];
  stateOff: boolean;
  /** `x-mock-state: strict` on the document, the path item or the operation. */
  strict: boolean;
}

/** The success response's documented example (else its schema's first `examples` entry), when it meets the schema. */
function documentedExample(op: Operation | undefined): unknown {
  if (!op) return undefined;
  const name = defaultExampleName(op.success);
  if (name !== undefined) return op.success.examples.get(name);
  const fromSchema = (op.success.schema?.['examples'] as unknown[] | undefined)?.[0];
  return fromSchema !== undefined && (!op.success.validate || op.success.validate(fromSchema)) ? fromSchema : undefined;
}

const PARAM = /^\{([^}]+)\}$/;

/**
 * An operation whose success is not a 2xx (petstore's `POST /pet` declares only 405) answers an error status every
 * time: it takes no REST role, so it changes no state (issue 29: the pet existed after a 405). `2XX`, `default` and
 * no responses at all answer 2xx.
 */
const answersSuccess = (op: Operation): boolean =>
  /^2(?:\d\d|XX)$/.test(op.success.status) || op.success.status === 'default';

/** The properties a schema declares, through `allOf` too. */
export function propertiesOf(schema: JsonObject | undefined, depth = 0): Record<string, JsonObject> {
  if (!schema || typeof schema !== 'object' || depth > 8) return {};
  const out: Record<string, JsonObject> = { ...((schema['properties'] ?? {}) as Record<string, JsonObject>) };
  for (const sub of (schema['allOf'] ?? []) as JsonObject[]) Object.assign(out, propertiesOf(sub, depth + 1));
  return out;
}

const typeOf = (schema: JsonObject | undefined): string | undefined => {
  const t = schema?.['type'];
  return Array.isArray(t) ? (t.find((x) => x !== 'null') as string | undefined) : (t as string | undefined);
};

const isObjectSchema = (schema: JsonObject | undefined): boolean =>
  !!schema && (typeOf(schema) === 'object' || Object.keys(propertiesOf(schema)).length > 0);

/** The property of an object response that holds the list (the only array property), if any. */
function listPropertyOf(schema: JsonObject | undefined): string | undefined | false {
  if (typeOf(schema) === 'array') return undefined;
  const arrays = Object.entries(propertiesOf(schema)).filter(([, s]) => typeOf(s) === 'array');
  return arrays.length === 1 ? arrays[0]![0] : false;
}

function bodySchema(op: Operation): JsonObject | undefined {
  const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
  const type = Object.keys(content).find((t) => /json/i.test(t));
  return type ? (content[type]!['schema'] as JsonObject | undefined) : undefined;
}

function requiredOf(schema: JsonObject | undefined, depth = 0): string[] {
  if (!schema || typeof schema !== 'object' || depth > 8) return [];
  return [
    ...((schema['required'] ?? []) as string[]),
    ...((schema['allOf'] ?? []) as JsonObject[]).flatMap((s) => requiredOf(s, depth + 1)),
  ];
}

/**
 * The field of an item that holds its id: the path parameter's name, else `id`, else the parameter without its `Id`
 * suffix; a field declared as an object or array holds no id (digitalocean's `{action: {...}}` for `{action_id}`).
 */
function idFieldOf(param: string, item: JsonObject | undefined): string {
  const props = propertiesOf(item);
  const holds = (name: string): boolean =>
    !!props[name] &&
    !['object', 'array'].includes(typeOf(props[name]) ?? '') &&
    Object.keys(propertiesOf(props[name])).length === 0;
  if (holds(param)) return param;
  if (holds('id')) return 'id';
  const bare = param.replace(/_?[iI][dD]$/, '');
  return bare && holds(bare) ? bare : Object.keys(props).length ? 'id' : param;
}

/** A value worked out on its first read only. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** `role` with `key` read through `value` (worked out once, on first read). */
function withLazy(role: RestRole, key: 'itemExample' | 'listExample', value: () => unknown): RestRole {
  return Object.defineProperty(role, key, { enumerable: true, configurable: true, get: value });
}

/** Sets `rest` on the operations that follow the REST conventions. */
export function inferRestRoles(inputs: ShapeInput[]): void {
  const byPath = new Map<string, ShapeInput[]>();
  for (const input of inputs) {
    const list = byPath.get(input.op.path) ?? [];
    list.push(input);
    byPath.set(input.op.path, list);
  }
  for (const [itemPath, items] of byPath) {
    const segments = itemPath.split('/');
    const param = PARAM.exec(segments.at(-1) ?? '')?.[1];
    if (!param || segments.length < 3) continue;
    const collectionPath = segments.slice(0, -1).join('/');
    const collection = byPath.get(collectionPath) ?? [];
    const find = (list: ShapeInput[], method: string): ShapeInput | undefined =>
      list.find((i) => i.op.method === method && !i.stateOff && answersSuccess(i.op));
    const read = find(items, 'GET');
    const create = find(collection, 'POST');
    const readSchema = read?.op.success.schema;
    const itemSchema = isObjectSchema(readSchema)
      ? readSchema
      : bodySchema(create?.op ?? find(items, 'PUT')?.op ?? ({ raw: {} } as Operation));
    if (!isObjectSchema(itemSchema)) continue;
    const idField = idFieldOf(param, itemSchema);
    const paramSchema = (items[0]!.params.find((p) => p['in'] === 'path' && p['name'] === param)?.['schema'] ??
      {}) as JsonObject;
    const idSchema = propertiesOf(itemSchema)[idField] ?? paramSchema;
    const t = typeOf(idSchema) ?? typeOf(paramSchema);
    const idType: RestRole['idType'] =
      t === 'integer' || t === 'number'
        ? 'integer'
        : idSchema['format'] === 'uuid' || paramSchema['format'] === 'uuid'
          ? 'uuid'
          : 'string';
    const props = propertiesOf(itemSchema);
    const fields = Object.keys(props);
    const filled = [...new Set([...requiredOf(itemSchema), ...fields.filter((k) => props[k]?.['readOnly'] === true)])];
    // The item's example is read when state first answers for it: finding it compiles the read (lazy-compile.ts).
    const itemExample = once(() => {
      const example = documentedExample(read?.op);
      return example && typeof example === 'object' && !Array.isArray(example) ? (example as JsonObject) : undefined;
    });
    const role = (kind: RestRole['kind'], input: ShapeInput, extra: Partial<RestRole> = {}): RestRole =>
      withLazy(
        {
          kind,
          itemPath,
          param,
          idField,
          idType,
          itemSchema,
          fields,
          filled,
          ...(input.strict && { strict: true }),
          ...extra,
        },
        'itemExample',
        itemExample,
      );
    if (create && create.op.bodyKind === 'json') create.op.rest = role('create', create);
    const list = find(collection, 'GET');
    if (list) {
      const property = listPropertyOf(list.op.success.schema);
      const listOp = list.op;
      if (property !== false)
        list.op.rest = withLazy(
          role('list', list, { listProperty: property }),
          'listExample',
          once(() => documentedExample(listOp)),
        );
    }
    if (read) read.op.rest = role('read', read);
    const put = find(items, 'PUT');
    if (put && put.op.bodyKind === 'json') put.op.rest = role('replace', put);
    const patch = find(items, 'PATCH');
    if (patch && patch.op.bodyKind === 'json') patch.op.rest = role('merge', patch);
    const del = find(items, 'DELETE');
    if (del) del.op.rest = role('delete', del);
  }
}
