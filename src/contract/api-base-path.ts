/**
 * Where an API lives on the mock: a served document's mount, or the leading path segments every operation of a
 * built-in API shares (`/v1` for platform-sync, `/datasyn` for ios-datasyn). For `serve`'s start-up lines and `GET /`;
 * knows nothing of hosts or HTTP.
 */
import type { ApiContract } from './compile-contract.js';

/**
 * `/v1`, `/wx`, `/user/openapi/org`, `/v2`: the directory every operation's path lies under, up to its first template
 * (`/v1/abutment/syncDeleteOrganMetadata/{otherId}` lies under `/v1/abutment`); `` when they share none, or for a
 * document mounted at the root.
 */
export function apiBasePath(api: ApiContract): string {
  if (api.spec.mount !== undefined) return api.spec.mount;
  let shared: string[] | undefined;
  for (const op of api.operations) {
    const segments = op.path.split('/').slice(1, -1);
    const template = segments.findIndex((s) => s.includes('{'));
    const directory = template < 0 ? segments : segments.slice(0, template);
    shared = shared ? shared.slice(0, commonLength(shared, directory)) : directory;
  }
  return shared?.length ? '/' + shared.join('/') : '';
}

function commonLength(a: string[], b: string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
