/** Route table: maps a method and path to the documented operation. Built once; matching does no allocation-heavy work. */
import type { ApiName, Operation } from './types.js';

export type Match =
  | { ok: true; operation: Operation; params: Record<string, string> }
  | { ok: false; reason: 'no-route' }
  | { ok: false; reason: 'method'; api: ApiName; allowed: string[]; path: string };

interface TemplateRoute {
  regex: RegExp;
  names: string[];
  byMethod: Map<string, Operation>;
  api: ApiName;
  path: string;
}

export interface RouteTable {
  exact: Map<string, { byMethod: Map<string, Operation>; api: ApiName; path: string }>;
  templates: TemplateRoute[];
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function buildRouteTable(operations: Operation[]): RouteTable {
  const table: RouteTable = { exact: new Map(), templates: [] };
  for (const op of operations) {
    if (!op.path.includes('{')) {
      let entry = table.exact.get(op.path);
      if (!entry) table.exact.set(op.path, (entry = { byMethod: new Map(), api: op.api, path: op.path }));
      entry.byMethod.set(op.method, op);
      continue;
    }
    let route = table.templates.find((t) => t.path === op.path);
    if (!route) {
      const names: string[] = [];
      const source = op.path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return escapeRegex(part);
          names.push(m[1] as string);
          return '([^/]+)';
        })
        .join('');
      route = { regex: new RegExp(`^${source}$`), names, byMethod: new Map(), api: op.api, path: op.path };
      table.templates.push(route);
    }
    route.byMethod.set(op.method, op);
  }
  return table;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `pathname` is the request path without the query string. A trailing slash is ignored, as Spring does. */
export function matchRoute(table: RouteTable, method: string, pathname: string): Match {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const exact = table.exact.get(path);
  if (exact) {
    const operation = exact.byMethod.get(method);
    if (operation) return { ok: true, operation, params: {} };
    return { ok: false, reason: 'method', api: exact.api, allowed: [...exact.byMethod.keys()], path: exact.path };
  }
  // Two templates may differ only in their parameters' names (jira: GET .../{permissionId}, DELETE .../{permission-id}):
  // a template without the method lets a later one answer, and says 405 only when none has it.
  let other: TemplateRoute | undefined;
  for (const route of table.templates) {
    const m = route.regex.exec(path);
    if (!m) continue;
    const operation = route.byMethod.get(method);
    if (!operation) {
      other ??= route;
      continue;
    }
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decode(m[i + 1] as string)));
    return { ok: true, operation, params };
  }
  if (other)
    return { ok: false, reason: 'method', api: other.api, allowed: [...other.byMethod.keys()], path: other.path };
  return { ok: false, reason: 'no-route' };
}

/** The API a request belongs to: its operation's, or the API of a documented path called with another method. */
export function apiOf(match: Match): ApiName | undefined {
  return match.ok ? match.operation.api : match.reason === 'method' ? match.api : undefined;
}
