/**
 * Mounts the admin route table on a router, each row with its handler from a map keyed `METHOD /path`, then the 404
 * that lists what the server serves: the mounted rows and those answered in front of express (the listener, the
 * guard). Owns the walk over the table; no handler, no status rule.
 */
import type { RequestHandler, Router } from 'express';
import { ADMIN_ROUTES, routeKey, routeList, type AdminRoute, type RouteKey } from './route-table.js';
import { problem, REFUSALS } from './problem.js';

/** Handlers by route (`'GET /calls'`), as each resource file gives them. */
export type AdminHandlers = Partial<Record<RouteKey, RequestHandler>>;

export interface MountOptions {
  /** Every express row must have a handler (the mock); otherwise rows without one are left out (the proxy). */
  complete: boolean;
  /** Says in the 404 which routes exist, given their list (`GET health, ready; POST clock`). */
  notFound: (req: { method: string; path: string }, list: string) => string;
}

/** Mounts the rows, then the 404; returns the rows the 404 lists. Throws on a handler with no row, or (complete) a row with none: bugs. */
export function mountAdminRoutes(router: Router, handlers: AdminHandlers, options: MountOptions): AdminRoute[] {
  const keys = new Set(ADMIN_ROUTES.map(routeKey));
  const stray = Object.keys(handlers).find((k) => !keys.has(k as RouteKey));
  if (stray) throw new Error(`contract-mock: admin handler "${stray}" has no row in src/admin/route-table.ts`);
  const served: AdminRoute[] = [];
  for (const route of ADMIN_ROUTES) {
    const handler = handlers[routeKey(route)];
    if (!handler) {
      // Answered in front of express (the listener, the guard): listed, not mounted; the proxy lists no mock-only row.
      if (route.answeredBy !== 'express' && (options.complete || !route.mockOnly)) served.push(route);
      else if (options.complete) throw new Error(`contract-mock: admin route ${routeKey(route)} has no handler`);
      continue;
    }
    if (route.tree) router.use(route.path, handler);
    else if (route.method === 'GET') router.get(route.path, handler);
    else if (route.method === 'POST') router.post(route.path, handler);
    else router.delete(route.path, handler);
    served.push(route);
  }
  const list = routeList(served);
  router.use((req, res) => problem(res, REFUSALS.adminRoute, options.notFound(req, list)));
  return served;
}
