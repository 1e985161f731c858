/** Link checks: whether a document's OpenAPI `links` name real operations, parameters and body fields. */
import { joinPointer } from './json-pointer.js';
import type { JsonObject } from './types.js';

/** Whether a JSON pointer can reach a value under a (dereferenced) schema: through properties, items and every combinator branch. */
function schemaReaches(schema: JsonObject | undefined, keys: string[]): boolean {
  if (!schema) return false;
  if (!keys.length) return true;
  const [key, ...rest] = keys as [string, ...string[]];
  const props = schema['properties'] as Record<string, JsonObject> | undefined;
  if (props?.[key] && schemaReaches(props[key], rest)) return true;
  if (/^\d+$/.test(key) && schema['items'] && schemaReaches(schema['items'] as JsonObject, rest)) return true;
  return ['allOf', 'anyOf', 'oneOf'].some((c) =>
    ((schema[c] ?? []) as JsonObject[]).some((branch) => schemaReaches(branch, keys)),
  );
}

const bodySchemaOf = (holder: JsonObject | undefined): JsonObject | undefined => {
  const content = (holder?.['content'] ?? {}) as Record<string, JsonObject>;
  return (Object.values(content)[0]?.['schema'] as JsonObject | undefined) ?? undefined;
};

/**
 * OpenAPI `links` (the flows tools follow: token → sync calls, save → delete ...): each names an operation of
 * the same document, sets only parameters and body fields that operation has, and every runtime expression
 * points at something the source operation's request or 200 response can carry.
 */
export function linkProblems(doc: JsonObject): Array<{ pointer: string; message: string }> {
  const problems: Array<{ pointer: string; message: string }> = [];
  const ops = new Map<string, JsonObject>();
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const op of Object.values(item))
      if (op && typeof op === 'object' && (op as JsonObject)['operationId'])
        ops.set((op as JsonObject)['operationId'] as string, op as JsonObject);
  }
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in (op as JsonObject))) continue;
      const source = op as JsonObject;
      for (const [status, response] of Object.entries((source['responses'] ?? {}) as Record<string, JsonObject>)) {
        for (const [name, link] of Object.entries((response['links'] ?? {}) as Record<string, JsonObject>)) {
          const at = joinPointer('paths', path, method, 'responses', status, 'links', name);
          const target = ops.get(link['operationId'] as string);
          if (!target) {
            problems.push({
              pointer: at,
              message: `link ${name} names operationId ${String(link['operationId'])}, which this document does not have`,
            });
            continue;
          }
          const check = (expr: unknown, where: string): void => {
            const m = typeof expr === 'string' ? /^\$(request|response)\.body#(\/.*)?$/.exec(expr) : null;
            if (!m) {
              if (
                typeof expr !== 'string' ||
                !/^\$(url|method|statusCode|request\.(path|query|header)\.[\w-]+|response\.header\.[\w-]+)$/.test(expr)
              )
                problems.push({
                  pointer: where,
                  message: `${JSON.stringify(expr)} is not a runtime expression this checker can follow`,
                });
              return;
            }
            const schema =
              m[1] === 'request'
                ? bodySchemaOf(source['requestBody'] as JsonObject | undefined)
                : bodySchemaOf(response);
            const keys = (m[2] ?? '')
              .split('/')
              .slice(1)
              .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
            if (!schemaReaches(schema, keys))
              problems.push({
                pointer: where,
                message: `${expr}: the ${m[1]} body of ${String(source['operationId'])} has no ${m[2]}`,
              });
          };
          const targetParams = new Set(((target['parameters'] ?? []) as JsonObject[]).map((p) => p['name'] as string));
          for (const [param, expr] of Object.entries((link['parameters'] ?? {}) as Record<string, unknown>)) {
            const bare = param.replace(/^(path|query|header|cookie)\./, '');
            if (!targetParams.has(bare))
              problems.push({
                pointer: `${at}/parameters${joinPointer(param)}`,
                message: `${String(link['operationId'])} has no parameter ${bare}`,
              });
            check(expr, `${at}/parameters${joinPointer(param)}`);
          }
          const body = link['requestBody'];
          if (body !== undefined) {
            const targetBody = bodySchemaOf(target['requestBody'] as JsonObject | undefined);
            for (const [field, expr] of Object.entries(
              body && typeof body === 'object' ? (body as Record<string, unknown>) : { '': body },
            )) {
              if (field && !schemaReaches(targetBody, [field]))
                problems.push({
                  pointer: `${at}/requestBody${joinPointer(field)}`,
                  message: `${String(link['operationId'])}'s body has no field ${field}`,
                });
              check(expr, `${at}/requestBody${field ? joinPointer(field) : ''}`);
            }
          }
        }
      }
    }
  }
  return problems;
}
