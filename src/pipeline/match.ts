/**
 * match: the documented operation a call reached, or its failure branches: no documented path (404; under a
 * served document's mount, that document's own), or a path without this method (the dialect's answer).
 */
import { REFUSALS } from '../http/refusals.js';
import { refuse } from './refuse.js';
import { dialectOf, type Answer, type Call, type Walk } from './walk.js';

/** Sets the call's operation and API; an answer when nothing documented matches. */
export function match(w: Walk, call: Call): Answer | undefined {
  const { match, method, pathname } = call;
  if (match.ok) {
    call.op = match.operation;
    call.api = match.operation.api;
    return undefined;
  }
  if (match.reason === 'no-route') {
    call.violations.push({ side: 'request', pointer: '', message: `no documented operation at ${method} ${pathname}`, rule: 'no-route' });
    const mounts = w.contract.mounts;
    const mounted = mounts.length ? mounts.find((m) => pathname === m.prefix || pathname.startsWith(m.prefix + '/')) : undefined;
    if (!mounted) return refuse(undefined, REFUSALS.noRoute, `No operation matches ${method} ${pathname}. GET /__mock/health lists the APIs served; GET /__mock/specs/<api> shows one's documented paths.`);
    // Under a served spec's servers path: that API's own 404.
    call.api = mounted.api;
    return refuse(undefined, REFUSALS.noRoute, `${mounted.api} documents no path ${pathname}; its paths are listed by GET /__mock/specs/${encodeURIComponent(mounted.api)}.`);
  }
  call.api = match.api;
  call.violations.push({ side: 'request', pointer: '', message: `${method} is not documented for ${match.path} (documented: ${match.allowed.join(', ')})`, rule: 'method' });
  const answer = dialectOf(w, match.api)!.methodNotAllowed(match.api, match.path, method, match.allowed, w.options.httpStatus === 'mapped');
  return { status: answer.status, headers: { ...answer.headers }, body: answer.body, unchecked: true, ...(answer.contentType !== undefined && { contentType: answer.contentType }) };
}
