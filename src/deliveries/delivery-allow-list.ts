/**
 * Where webhook deliveries may go: loopback by default, widened by `--allow-delivery HOST[:PORT]|CIDR`.
 * Hosts are compared after WHATWG URL normalisation (`2130706433`, `0x7f.1` and `127.1` are all
 * 127.0.0.1; `[::ffff:127.0.0.1]` is an IPv4-mapped address), addresses matched with node:net's
 * BlockList (which also matches IPv4-mapped IPv6 against IPv4 rules). Names match only as listed:
 * a name is never resolved here, so a listed name is trusted to point where its owner says.
 */
import { BlockList, isIP } from 'node:net';

interface Rule {
  /** What the user wrote, for messages. */
  spec: string;
  addresses?: BlockList;
  name?: string;
  port?: number;
}

export interface DeliveryAllowList {
  /** Undefined when `url` may be delivered to; else why not. */
  refusal(url: URL): string | undefined;
  /** The rules, as written (loopback first). */
  describe(): string[];
}

const bare = (host: string): string =>
  host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
const family = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Parses one `--allow-delivery` value; a string saying what is wrong when it cannot. */
function parseRule(spec: string): Rule | string {
  const bad = `--allow-delivery "${spec}" is not HOST, HOST:PORT or an address range such as 10.1.0.0/16`;
  const slash = spec.lastIndexOf('/');
  if (slash !== -1) {
    const address = spec.slice(0, slash).replace(/^\[|\]$/g, '');
    const prefix = Number(spec.slice(slash + 1));
    const kind = isIP(address);
    if (!kind || !Number.isInteger(prefix) || prefix < 0 || prefix > (kind === 6 ? 128 : 32)) return bad;
    const addresses = new BlockList();
    addresses.addSubnet(address, prefix, family(address));
    return { spec, addresses };
  }
  let url: URL;
  try {
    url = new URL(`http://${spec}`);
  } catch {
    return bad;
  }
  if (url.pathname !== '/' || url.search || url.username || !url.hostname) return bad;
  const host = bare(url.hostname);
  const port = url.port ? Number(url.port) : spec.endsWith(':80') ? 80 : undefined;
  if (isIP(host)) {
    const addresses = new BlockList();
    addresses.addAddress(host, family(host));
    return { spec, addresses, port };
  }
  return { spec, name: host, port };
}

const LOOPBACK: Rule[] = (() => {
  const addresses = new BlockList();
  addresses.addSubnet('127.0.0.0', 8, 'ipv4');
  addresses.addAddress('::1', 'ipv6');
  return [
    { spec: '127.0.0.0/8', addresses },
    { spec: '::1', addresses },
    { spec: 'localhost', name: 'localhost' },
  ];
})();

/** Builds the list once at start-up; throws with a one-line message on a value it cannot read. */
export function deliveryAllowList(specs: readonly string[] = []): DeliveryAllowList {
  const rules = [...LOOPBACK];
  for (const spec of specs) {
    const rule = parseRule(spec.trim());
    if (typeof rule === 'string') throw new Error(rule);
    rules.push(rule);
  }
  return {
    refusal(url) {
      const host = bare(url.hostname);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const ip = isIP(host);
      for (const r of rules) {
        if (r.port !== undefined && r.port !== port) continue;
        if (ip ? r.addresses?.check(host, family(host)) : r.name === host) return undefined;
      }
      return `not delivered: ${url.host} is not an allowed destination (allowed: ${rules.map((r) => r.spec).join(', ')}; serve --allow-delivery HOST[:PORT]|CIDR adds one)`;
    },
    describe: () => rules.map((r) => r.spec),
  };
}
