/**
 * What is particular to a Redis Cluster behind --redis: ioredis' Cluster client on the seed nodes (redis-words.ts
 * reads the comma-separated list, without loading ioredis), and what the nodes' CLUSTER INFO says for health. Knows nothing of sessions; the
 * connection (redis-connection.ts) decides when a cluster is there.
 */
import { Cluster, type ClusterNode, type RedisOptions as ClientOptions } from 'ioredis';
import type { RedisOptions } from './redis-connection.js';
import { seedUrls } from './redis-words.js';

/**
 * ioredis' Cluster on the seed nodes, with each node's connection as bounded as a single Redis's. A node lost is
 * not reconnected: Cluster asks the others for the slots again and follows the promoted replica (MOVED).
 */
export function clusterClient(
  options: RedisOptions,
  client: ClientOptions,
  retryStrategy: (times: number) => number,
): Cluster {
  const seeds = seedUrls(options.url).map((u) => new URL(u));
  const first = seeds[0]!;
  const nodes: ClusterNode[] = seeds.map((u) => ({
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
  }));
  return new Cluster(nodes, {
    redisOptions: {
      ...client,
      ...(first.username && { username: decodeURIComponent(first.username) }),
      ...(first.password && { password: decodeURIComponent(first.password) }),
      ...(first.protocol === 'rediss:' && {
        tls: { servername: /^[\d.:]+$/.test(first.hostname) ? undefined : first.hostname },
      }),
    },
    clusterRetryStrategy: retryStrategy,
    enableReadyCheck: true,
    enableAutoPipelining: false,
    scaleReads: 'master',
    // A master lost: its commands are tried again (asking the nodes for the slots each time) until a replica is
    // promoted, within the command timeout that run() holds them to.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: Math.max(16, Math.ceil(options.timeoutMs / 100)),
    slotsRefreshTimeout: Math.max(options.timeoutMs, 1000),
    // The nodes' names are connected to as given (a managed cluster's TLS certificates name them, not their addresses).
    dnsLookup: (address, callback) => callback(null, address),
    slotsRefreshInterval: 5000,
  });
}

export interface ClusterHealth {
  /** `fail` when a node that answers says so (slots not served, or it is cut off from most masters): health is 503 then. */
  state: 'ok' | 'fail';
  /** Nodes the cluster knows (masters and replicas), masters serving slots (cluster_size), nodes that answered health. */
  knownNodes: number;
  masters: number;
  answering: number;
  /** Of the 16384 slots: assigned to a master, served (ok), and held by a master suspected (pfail) or found (fail) down. */
  slotsAssigned: number;
  slotsOk: number;
  slotsPfail: number;
  slotsFail: number;
}

/** What the nodes' CLUSTER INFO answers say together: the worst state, the counts of the node that answered first. */
export function clusterHealth(infos: string[]): ClusterHealth {
  const field = (text: string, name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const first = infos[0] ?? '';
  return {
    state: infos.length && infos.every((t) => /^cluster_state:ok/m.test(t)) ? 'ok' : 'fail',
    knownNodes: field(first, 'cluster_known_nodes'),
    masters: field(first, 'cluster_size'),
    answering: infos.length,
    slotsAssigned: field(first, 'cluster_slots_assigned'),
    slotsOk: field(first, 'cluster_slots_ok'),
    slotsPfail: field(first, 'cluster_slots_pfail'),
    slotsFail: field(first, 'cluster_slots_fail'),
  };
}
