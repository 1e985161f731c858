/**
 * The OpenAPI documents as the running mock serves them (`GET /__mock/specs/{api}`): each spec as
 * written, `servers` pointing at the mock itself, and in `--http-status mapped` mode every catalogue
 * entry's `x-http-status` documented as a response of the operations that answer it. Knows nothing of HTTP.
 */
import type { ApiContract, Contract } from './compile-contract.js';
import type { JsonObject } from './types.js';
import { ProblemDialect } from './dialect.js';
import { getPointer } from './json-pointer.js';

/** How business errors travel: HTTP 200 like the real servers (`documented`), or with each entry's `x-http-status` (`mapped`). */
export type HttpStatusMode = 'documented' | 'mapped';

export interface SpecListing {
  api: string;
  title: string;
  version: string;
  url: string;
}

export function specListing(contract: Contract): SpecListing[] {
  return [...contract.apis.values()].map((a) => {
    const info = (a.spec.raw['info'] ?? {}) as JsonObject;
    return {
      api: a.api,
      title: String(info['title'] ?? a.api),
      version: String(info['version'] ?? ''),
      url: `/__mock/specs/${encodeURIComponent(a.api)}`,
    };
  });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * `mapped` mode: each operation documents, besides its HTTP 200 success, one response per HTTP status its business
 * errors map to, with the error envelope only (the anyOf branches after the success, CONVENTIONS.md) and the 200's
 * examples of those codes, so a generated client never types a 404 as a possible success. A wrong method answers
 * 405 whatever its code maps to (dialect.ts `methodNotAllowed`). The 200's "always HTTP 200" no longer holds.
 */
function documentMappedStatuses(doc: JsonObject, api: ApiContract): void {
  // A served spec (serve --spec) documents its own statuses already.
  if (api.dialect instanceof ProblemDialect) return;
  const dialect = api.dialect;
  const wrongMethod = dialect.entry(dialect.role('methodNotAllowed'))!.code;
  const methodText = dialect.maybeText('methodNotAllowed');
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const method of METHODS) {
      const raw = item[method] as JsonObject | undefined;
      if (!raw) continue;
      const op = api.operations.find((o) => o.method === method.toUpperCase() && o.operationId === raw['operationId']);
      if (!op) continue;
      const responses = (raw['responses'] ??= {}) as Record<string, JsonObject>;
      const ok = responses['200'];
      const byStatus = new Map<number, Set<string>>([[405, new Set([wrongMethod])]]);
      for (const key of new Set([...op.codes, op.paramError, op.jsonError])) {
        const status = dialect.mappedStatus(key);
        if (status === 200) continue;
        const codes = byStatus.get(status) ?? new Set<string>();
        codes.add(dialect.entry(key)!.code);
        byStatus.set(status, codes);
      }
      for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
        // Which of the 200's error examples this status answers: the wrong-method one (its x-messages text, when the
        // API has one) at 405 only.
        const isMethod = (v: unknown): boolean => methodText !== undefined && dialect.messageOf(v) === methodText;
        const answers = (v: unknown): boolean => {
          const code = dialect.codeOf(v);
          if (code === undefined || !codes.has(code)) return false;
          return code !== wrongMethod || (status === 405 ? methodText === undefined || isMethod(v) : !isMethod(v));
        };
        responses[String(status)] = {
          description: `Business error ${[...codes].join(', ')} under serve --http-status mapped: the API's error envelope (its own servers answer it with HTTP 200).`,
          content: errorContent(doc, (ok?.['content'] ?? {}) as Record<string, JsonObject>, answers),
        };
      }
      if (ok && typeof ok['description'] === 'string') ok['description'] = mappedSuccessText(ok['description']);
    }
  }
}

/** The 200's media types with the error branches of its schema only, and those of its examples `answers` picks. */
function errorContent(
  doc: JsonObject,
  content: Record<string, JsonObject>,
  answers: (value: unknown) => boolean,
): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [type, media] of Object.entries(content)) {
    const schema = media['schema'] as JsonObject | undefined;
    const branches = Array.isArray(schema?.['anyOf']) ? (schema['anyOf'] as JsonObject[]).slice(1) : [];
    const errorSchema = branches.length === 0 ? schema : branches.length === 1 ? branches[0] : { anyOf: branches };
    // An example may be a local $ref (platform-sync's components/examples).
    const valueOf = (ex: JsonObject | undefined): unknown => {
      const ref = ex?.['$ref'];
      return (
        typeof ref === 'string' && ref.startsWith('#') ? (getPointer(doc, ref.slice(1)) as JsonObject | undefined) : ex
      )?.['value'];
    };
    const examples = Object.entries((media['examples'] ?? {}) as Record<string, JsonObject>).filter(([, ex]) =>
      answers(valueOf(ex)),
    );
    out[type] = {
      ...(errorSchema && { schema: errorSchema }),
      ...(examples.length && { examples: Object.fromEntries(examples) }),
    };
  }
  return out;
}

/** The 200's description under mapped: success only at HTTP 200, errors at their own status. */
function mappedSuccessText(description: string): string {
  const text = description
    .replace(/always HTTP 200; /g, '')
    .replace(/;? always HTTP 200\.?/g, '.')
    .replace(/\.\.$/, '.');
  return `${text} Under serve --http-status mapped (this mock) HTTP 200 answers success; each business error answers the HTTP status documented for it.`;
}

/** The document for one API, for a mock reachable at `serverUrl`. A fresh copy: callers may change it. */
export function servedSpec(api: ApiContract, serverUrl: string, mode: HttpStatusMode): JsonObject {
  const doc = structuredClone(api.spec.raw);
  // A `serve --spec` document keeps the path it is mounted at (its first `servers` path, e.g. `/api`), so a
  // client built from this copy calls the mounted paths; path- and operation-level `servers` would send it
  // elsewhere (the mock mounts every path at the document's first server), so they go.
  doc['servers'] = [{ url: serverUrl + (api.spec.mount ?? ''), description: 'this contract-mock' }];
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    if (!item || typeof item !== 'object') continue;
    delete item['servers'];
    for (const method of METHODS)
      if (item[method] && typeof item[method] === 'object') delete (item[method] as JsonObject)['servers'];
  }
  if (mode === 'mapped') documentMappedStatuses(doc, api);
  return doc;
}
