/**
 * match: the documented operation a call reached, or its failure branches: no documented path (404; under a
 * served document's mount, that document's own; a served path without its mount names the mount), or a path without
 * this method (the dialect's answer).
 */
import { REFUSALS } from '../http/refusals.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
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
    call.violations.push({
      side: 'request',
      pointer: '',
      message: `no documented operation at ${method} ${pathname}`,
      rule: 'no-route',
    });
    const mounts = w.contract.mounts;
    const mounted = mounts.length
      ? mounts.find((m) => pathname === m.prefix || pathname.startsWith(m.prefix + '/'))
      : undefined;
    if (!mounted)
      return refuse(
        undefined,
        REFUSALS.noRoute,
        `No operation matches ${method} ${pathname}${mountHint(w, method, pathname)}. GET /__mock/health lists the APIs served; GET /__mock/specs/<api> shows one's documented paths.`,
      );
    // Under a served spec's servers path: that API's own 404.
    call.api = mounted.api;
    return refuse(
      undefined,
      REFUSALS.noRoute,
      `${mounted.api} documents no path ${pathname}; its paths are listed by GET /__mock/specs/${encodeURIComponent(mounted.api)}.`,
    );
  }
  call.api = match.api;
  call.violations.push({
    side: 'request',
    pointer: '',
    message: `${method} is not documented for ${match.path} (documented: ${match.allowed.join(', ')})`,
    rule: 'method',
  });
  const answer = dialectOf(w, match.api)!.methodNotAllowed(
    match.api,
    match.path,
    method,
    match.allowed,
    w.options.httpStatus === 'mapped',
  );
  return {
    status: answer.status,
    headers: { ...answer.headers },
    body: answer.body,
    unchecked: true,
    ...(answer.contentType !== undefined && { contentType: answer.contentType }),
  };
}

/**
 * A path a served document documents once its mount is put in front (`/pet/1` for petstore at `/v2`): the 404 names
 * it. Only on the 404 path, one route lookup per mount.
 */
function mountHint(w: Walk, method: string, pathname: string): string {
  for (const { prefix, api } of w.contract.mounts) {
    if (apiOf(matchRoute(w.contract.routes, method, prefix + pathname)) === api)
      return `; did you mean ${prefix}${pathname}? ${api} is served under ${prefix}, the path of its servers URL`;
  }
  return '';
}
