/**
 * Whether a delivery url would reach the mock itself (any spelling of an address it listens on, on its port)
 * or an admin API (`/__mock` on any host): either would let one client make the mock call itself, in a loop
 * or with the mock's own loopback trust (issue 25, findings 2 and 9). Knows nothing of sending.
 */
import { BlockList, isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** An address and port the mock takes connections on (its server's, or the one a call arrived at). */
export interface ListenAddress {
  address: string;
  port: number;
}

export type SelfTarget = { refused: 'self' | 'admin-path'; error: string } | undefined;

/** Loopback and "this host" (0.0.0.0, ::): connecting to them reaches a listener on the same port of this machine. */
const LOCAL = (() => {
  const b = new BlockList();
  b.addSubnet('127.0.0.0', 8, 'ipv4');
  b.addSubnet('0.0.0.0', 8, 'ipv4');
  b.addAddress('::1', 'ipv6');
  b.addAddress('::', 'ipv6');
  return b;
})();

/** A url part as messages show it: a client chooses it, so it is cut to a readable length. */
const shown = (text: string): string => (text.length > 120 ? `${text.slice(0, 120)}…` : text);
const family = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
const WILDCARD = new Set(['0.0.0.0', '::']);
/** Escape rounds undone before looking for `__mock`: enough for a double-encoded `%255F`, bounded so the scan stays linear. */
const DECODE_ROUNDS = 3;

/** One spelling per address: IPv4-mapped IPv6 as its IPv4, IPv6 compressed and lower case; undefined for a name. */
function canonicalIp(text: string): string | undefined {
  const bare = text.replace(/^\[|\]$/g, '').toLowerCase();
  const kind = isIP(bare);
  if (kind === 4) return bare;
  if (kind !== 6) return undefined;
  const compressed = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The addresses of this machine's interfaces, for a server bound to a wildcard address (read per check: interfaces come and go). */
export function interfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? []) out.add(canonicalIp(i.address) ?? i.address);
  return out;
}

/**
 * True when a path names an admin API: a `__mock` segment, in any case, after percent-escapes are undone
 * (also double-encoded ones) and `\` is read as `/`, as servers and proxies variously do. URL parsing has
 * already resolved dot segments (`/x/../__mock`); a `__mock` segment anywhere counts, so a proxy that
 * mounts the mock under a prefix is covered too.
 */
export function isAdminTarget(pathname: string): boolean {
  let path = pathname;
  for (let i = 0; i < DECODE_ROUNDS && path.includes('%'); i++)
    path = path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return path
    .toLowerCase()
    .split(/[/\\]/)
    .some((segment) => segment.split(';')[0]!.trim() === '__mock');
}

/**
 * Why `url` must not be delivered to (the mock itself, or an admin path), or undefined when neither.
 * `localAddresses` (this machine's interface addresses, asked only for a wildcard bind) is passed in by tests.
 */
export function selfTarget(
  url: URL,
  listening: readonly ListenAddress[],
  localAddresses: () => ReadonlySet<string> = interfaceAddresses,
): SelfTarget {
  if (isAdminTarget(url.pathname)) {
    return {
      refused: 'admin-path',
      error: `not delivered: ${shown(url.pathname)} is an admin path (/__mock); a webhook never calls an admin API, so no page can reach one through the mock`,
    };
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const on = listening.filter((l) => l.port === port);
  if (!on.length) return undefined;
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  const ip = canonicalIp(host);
  const self =
    ip === undefined
      ? host === 'localhost' || host.endsWith('.localhost') || host === hostname().toLowerCase()
      : LOCAL.check(ip, family(ip)) || on.some((l) => listensOn(l, ip, localAddresses));
  if (!self) return undefined;
  return {
    refused: 'self',
    error: `not delivered: ${shown(url.host)} is this mock itself (it listens on port ${port}); a delivery to itself would start a loop`,
  };
}

function listensOn(l: ListenAddress, ip: string, localAddresses: () => ReadonlySet<string>): boolean {
  const bound = canonicalIp(l.address) ?? l.address;
  return bound === ip || (WILDCARD.has(bound) && localAddresses().has(ip));
}
