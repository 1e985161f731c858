/**
 * Who may use the admin API (`/__mock/*`), decided before any admin route runs: the Host header (DNS
 * rebinding), the origins granted CORS, cross-origin and simple-request writes (CSRF), and in token mode the
 * bearer token or the dashboard's signed cookie with its CSRF token. Knows nothing of the routes behind it;
 * the API paths never come here (they keep open CORS, as frontends on any origin need).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { REFUSALS, writeRefusal } from './problem.js';
import { EXPOSED_HEADERS } from '../http/mock-headers.js';
import { DELIVERY_HEADER } from '../deliveries/deliver.js';

export interface AdminGuardOptions {
  /** When set, admin routes need `Authorization: Bearer <token>` or the dashboard's cookie (serve --admin-token). */
  adminToken?: string;
  /** Origins granted CORS on the admin API besides the dashboard's own (serve --cors-origin, repeatable). */
  corsOrigins?: readonly string[];
  /** Host names accepted on admin routes besides localhost names, IP addresses and the listen address (--allow-host). */
  allowHosts?: readonly string[];
  /** The address the server binds (--host): always an accepted Host. */
  listenHost?: string;
}

/** The guard answered (refused, or a route it owns), or the request goes on with these CORS headers. */
export type Admission = { answered: true } | { answered: false; cors: string[] };

export const ADMIN_COOKIE = 'contract_mock_admin';
/** The header the dashboard sends its CSRF token in (from `GET /__mock/csrf`). */
export const CSRF_HEADER = 'x-mock-csrf';

const COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${ADMIN_COOKIE}=([^;]*)`);
const LOGIN_PATTERN = /^\/__mock\/ui\/?\?(?:.*&)?admin_token=([^&]*)/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Headers a page cannot send without a CORS preflight: any of them makes a write non-simple. */
const CUSTOM_HEADERS = ['x-mock-session', CSRF_HEADER, 'authorization'];

/** `/__mock`, `/__mock/...` and `/__mock?...`: the admin API. */
export function isAdminPath(url: string): boolean {
  return url.startsWith('/__mock') && (url.length === 7 || url[7] === '/' || url[7] === '?');
}

/** decodeURIComponent that answers undefined for a malformed escape instead of throwing (a 401, never a crash). */
function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Compares two secrets in constant time (for equal lengths; a length mismatch is refused after the same work). */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b), false);
}

/** `Host: name:port` → `name`, lower case, `[::1]` kept in brackets, a trailing dot dropped. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return (colon >= 0 && colon === h.lastIndexOf(':') ? h.slice(0, colon) : h).replace(/\.$/, '');
}

const normalOrigin = (origin: string): string => origin.trim().toLowerCase().replace(/\/+$/, '');

/** What the guard was started with: the Host and origin rules, and in token mode the key that signs cookies. */
interface GuardPolicy {
  token: string | undefined;
  sign(purpose: string, nonce: string): string;
  hostAllowed(host: string | undefined): boolean;
  originAllowed(req: IncomingMessage, origin: string): boolean;
  cookieNonce(req: IncomingMessage): string | undefined;
}

/** The guard every admin request passes first. */
export type AdminGuard = (req: IncomingMessage, res: ServerResponse) => Admission;

export function adminGuard(options: AdminGuardOptions): AdminGuard {
  const policy = guardPolicy(options);
  return (req, res) => {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const browser = browserGate(policy, req, res, method, url);
    return browser.answered ? browser : tokenGate(policy, req, res, method, url, browser.cors);
  };
}

function guardPolicy(options: AdminGuardOptions): GuardPolicy {
  const corsOrigins = new Set((options.corsOrigins ?? []).map(normalOrigin));
  const allowHosts = (options.allowHosts ?? []).map((h) => h.trim().toLowerCase().replace(/\.$/, ''));
  const listenHost = options.listenHost
    ? hostnameOf(
        options.listenHost.includes(':') && !options.listenHost.startsWith('[')
          ? `[${options.listenHost}]`
          : options.listenHost,
      )
    : undefined;
  const token = options.adminToken;
  // Cookies and CSRF tokens are signed with a key derived from the admin token: they stay valid across
  // restarts with the same token, and the cookie never holds the token itself.
  const key = token ? createHmac('sha256', token).update('contract-mock dashboard').digest() : undefined;
  const sign = (purpose: string, nonce: string): string =>
    createHmac('sha256', key!).update(`${purpose}:${nonce}`).digest('base64url');

  /** localhost names, IP literals (DNS rebinding needs a name), the listen address, and --allow-host entries. */
  function hostAllowed(host: string | undefined): boolean {
    if (host === undefined || host === '') return true; // HTTP/1.0 without Host: not a browser
    const name = hostnameOf(host);
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    if (isIP(name.replace(/^\[|\]$/g, ''))) return true;
    if (name === listenHost) return true;
    // `.example.com` allows example.com and its subdomains, as vite's server.allowedHosts does.
    return allowHosts.some((h) => (h.startsWith('.') ? name === h.slice(1) || name.endsWith(h) : name === h));
  }

  /** The dashboard's own origin (the Host it was loaded from) and the --cors-origin list. */
  function originAllowed(req: IncomingMessage, origin: string): boolean {
    const o = normalOrigin(origin);
    const host = (req.headers.host ?? '').toLowerCase();
    return o === `http://${host}` || o === `https://${host}` || corsOrigins.has(o);
  }

  /** A signed dashboard cookie's nonce, or undefined when there is none or it does not verify. */
  function cookieNonce(req: IncomingMessage): string | undefined {
    const raw = COOKIE_PATTERN.exec(req.headers.cookie ?? '')?.[1];
    const value = raw === undefined ? undefined : decoded(raw);
    const dot = value?.indexOf('.') ?? -1;
    if (!value || dot <= 0) return undefined;
    const nonce = value.slice(0, dot);
    return same(value.slice(dot + 1), sign('session', nonce)) ? nonce : undefined;
  }

  return { token, sign, hostAllowed, originAllowed, cookieNonce };
}

/** The checks that hold in every mode: the Host (DNS rebinding), deliveries, CORS preflights, cross-origin writes. */
function browserGate(
  policy: GuardPolicy,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: string,
): Admission {
  const { hostAllowed, originAllowed } = policy;
  const origin = req.headers.origin;
  if (!hostAllowed(req.headers.host)) {
    writeRefusal(
      res,
      REFUSALS.hostRefused,
      `The admin API answers only requests addressed to localhost, an IP address or the listen address, not "${hostnameOf(req.headers.host ?? '')}" (a page could reach it by DNS rebinding). If this is your server's name, start it with --allow-host ${hostnameOf(req.headers.host ?? '')}.`,
    );
    return { answered: true };
  }
  // A webhook delivery (ours or another instance's, maybe through a proxy that rewrote its path) is never
  // an admin call: it would carry a page's request into the admin API with no Origin (issue 25, finding 9).
  if (req.headers[DELIVERY_HEADER] !== undefined) {
    writeRefusal(
      res,
      REFUSALS.deliveryRefused,
      `${method} ${url.split('?')[0]} carries X-Mock-Delivery: it is a webhook delivery from a mock, and a delivery never reaches the admin API. Point push projects at your own receiver, not at /__mock.`,
    );
    return { answered: true };
  }
  const allowed = origin !== undefined && originAllowed(req, origin);
  const cors = allowed
    ? ['Access-Control-Allow-Origin', origin, 'Vary', 'Origin', 'Access-Control-Expose-Headers', EXPOSED_HEADERS]
    : ['Vary', 'Origin'];
  if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
    if (!allowed) {
      writeRefusal(
        res,
        REFUSALS.originRefused,
        `The admin API grants CORS only to the dashboard's own origin and to origins given with --cors-origin; ${origin ?? 'this page'} is neither. Start the mock with --cors-origin ${origin ?? 'ORIGIN'} to allow it.`,
        ['Vary', 'Origin'],
      );
      return { answered: true };
    }
    res.writeHead(204, [
      ...cors,
      'Access-Control-Allow-Methods',
      'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers',
      `Content-Type, Authorization, X-Mock-Session, X-Mock-Scenario, ${CSRF_HEADER}`,
      'Access-Control-Max-Age',
      '600',
    ]);
    res.end();
    return { answered: true };
  }
  const write = !SAFE_METHODS.has(method);
  // Browsers send Origin or Sec-Fetch-Site with every write; curl, scripts and CI jobs send neither.
  const fromBrowser = origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  if (write && fromBrowser) {
    const site = req.headers['sec-fetch-site'];
    if (!(site === 'same-origin' || site === 'none' || allowed)) {
      writeRefusal(
        res,
        REFUSALS.crossOrigin,
        `${method} ${url.split('?')[0]} came from ${origin ?? `a ${site} page`}; the admin API takes writes only from the dashboard's own origin and from origins given with --cors-origin.`,
        cors,
      );
      return { answered: true };
    }
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (!/^application\/([\w.-]+\+)?json\b/.test(type) && !CUSTOM_HEADERS.some((h) => req.headers[h] !== undefined)) {
      writeRefusal(
        res,
        REFUSALS.jsonRequired,
        `${method} ${url.split('?')[0]} from a browser must send Content-Type: application/json or an X-Mock-Session header, so that no page can send it as a simple (form) request.`,
        cors,
      );
      return { answered: true };
    }
  }
  return { answered: false, cors };
}

/** Token mode: the bearer token, the dashboard's login link and cookie, and the cookie's CSRF token. */
function tokenGate(
  policy: GuardPolicy,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: string,
  cors: string[],
): Admission {
  const { token, sign, cookieNonce } = policy;
  const write = !SAFE_METHODS.has(method);
  if (!token) {
    if (method === 'GET' && (url === '/__mock/csrf' || url.startsWith('/__mock/csrf?')))
      return answerCsrf(res, cors, null);
    return { answered: false, cors };
  }
  // The dashboard cannot send a bearer header from a link or an EventSource: opening
  // /__mock/ui/?admin_token=T once sets an HttpOnly, same-site cookie signed with a key from the token.
  const login = LOGIN_PATTERN.exec(url)?.[1];
  if (login !== undefined && same(decoded(login) ?? '', token)) {
    const nonce = randomBytes(18).toString('base64url');
    res.writeHead(303, [
      'Location',
      '/__mock/ui/',
      'Referrer-Policy',
      'no-referrer',
      'Set-Cookie',
      `${ADMIN_COOKIE}=${nonce}.${sign('session', nonce)}; HttpOnly; SameSite=Strict; Path=/__mock`,
    ]);
    res.end();
    return { answered: true };
  }
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined && same(bearer, token)) {
    if (method === 'GET' && (url === '/__mock/csrf' || url.startsWith('/__mock/csrf?')))
      return answerCsrf(res, cors, null);
    return { answered: false, cors };
  }
  const nonce = bearer === undefined ? cookieNonce(req) : undefined;
  if (nonce === undefined) {
    writeRefusal(
      res,
      REFUSALS.adminToken,
      'Send "Authorization: Bearer <token>" with the token given to --admin-token (for the dashboard, open /__mock/ui/?admin_token=<token> once).',
      [...cors, 'WWW-Authenticate', 'Bearer realm="contract-mock admin"'],
    );
    return { answered: true };
  }
  if (method === 'GET' && (url === '/__mock/csrf' || url.startsWith('/__mock/csrf?')))
    return answerCsrf(res, cors, sign('csrf', nonce));
  // SameSite does not separate the ports of one host: the cookie alone never changes anything.
  if (write && !same(String(req.headers[CSRF_HEADER] ?? ''), sign('csrf', nonce))) {
    writeRefusal(
      res,
      REFUSALS.csrfToken,
      `${method} ${url.split('?')[0]} with the dashboard's cookie needs its CSRF token in ${CSRF_HEADER} (GET /__mock/csrf), or send "Authorization: Bearer <token>".`,
      cors,
    );
    return { answered: true };
  }
  return { answered: false, cors };
}

/** `GET /__mock/csrf`: the dashboard's CSRF token (null when none is needed: no token mode, or a bearer caller). */
function answerCsrf(res: ServerResponse, cors: string[], csrfToken: string | null): Admission {
  const text = JSON.stringify({ csrfToken, header: CSRF_HEADER });
  res.writeHead(200, [
    ...cors,
    'Content-Type',
    'application/json; charset=utf-8',
    'Cache-Control',
    'no-store',
    'Content-Length',
    String(Buffer.byteLength(text)),
  ]);
  res.end(text);
  return { answered: true };
}
