/**
 * The OpenAPI documents as the running mock serves them (`GET /__mock/specs/{api}`): each spec as
 * written, `servers` pointing at the mock itself, and in `--http-status mapped` mode every catalogue
 * entry's `x-http-status` documented as a response of the operations that answer it. Knows nothing of HTTP.
 */
import type { ApiContract, Contract } from './compile-contract.js';
import type { JsonObject } from './types.js';
import { ProblemDialect } from './dialect.js';

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
    return { api: a.api, title: String(info['title'] ?? a.api), version: String(info['version'] ?? ''), url: `/__mock/specs/${encodeURIComponent(a.api)}` };
  });
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * `mapped` mode: each operation documents, besides its HTTP 200 success, one response per HTTP status
 * its business errors map to, with the same error schema (the envelope is unchanged; only the status moves).
 */
function documentMappedStatuses(doc: JsonObject, api: ApiContract): void {
  // A served spec (serve --spec) documents its own statuses already.
  if (api.dialect instanceof ProblemDialect) return;
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, JsonObject>)) {
    for (const method of METHODS) {
      const raw = item[method] as JsonObject | undefined;
      if (!raw) continue;
      const op = api.operations.find((o) => o.method === method.toUpperCase() && o.operationId === raw['operationId']);
      if (!op) continue;
      const responses = (raw['responses'] ??= {}) as Record<string, JsonObject>;
      const ok = responses['200'];
      const keys = new Set([...op.codes, op.paramError, op.jsonError, api.dialect.role('methodNotAllowed')]);
      const byStatus = new Map<number, string[]>();
      for (const key of keys) {
        const status = api.dialect.mappedStatus(key);
        if (status === 200) continue;
        const list = byStatus.get(status) ?? [];
        list.push(api.dialect.entry(key)!.code);
        byStatus.set(status, list);
      }
      for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
        responses[String(status)] = {
          description: `Business error ${codes.join(', ')} (serve --http-status mapped): the envelope is the one an HTTP 200 answer carries.`,
          content: (ok?.['content'] as JsonObject | undefined) ?? {},
        };
      }
    }
  }
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
    for (const method of METHODS) if (item[method] && typeof item[method] === 'object') delete (item[method] as JsonObject)['servers'];
  }
  if (mode === 'mapped') documentMappedStatuses(doc, api);
  return doc;
}
