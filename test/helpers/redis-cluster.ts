/**
 * A throwaway Redis Cluster for a test file: three masters and three replicas of Debian's redis-server
 * (7.0) with `--cluster-enabled yes` on free loopback ports, their node files in a temp dir, joined by
 * `redis-cli --cluster create --cluster-replicas 1`, ready once every node says `cluster_state:ok` and every
 * replica has synced (so it can be promoted);
 * stopped (and the dir removed) after the file. Missing binaries: skipped locally, failing under CI.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bindable } from './free-port.js';
import { REDIS_SERVER } from './redis-server.js';

const run = promisify(execFile);
export const REDIS_CLI = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((p) => existsSync(p));
export const SKIP_WITHOUT_REDIS_CLUSTER = !(REDIS_SERVER && REDIS_CLI) && process.env['CI'] !== 'true';
if (SKIP_WITHOUT_REDIS_CLUSTER)
  console.warn(
    'Redis Cluster tests skipped: redis-server or redis-cli is missing (apt-get install redis-server; .ci/run installs it).',
  );

export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export interface TestRedisCluster {
  /** One node's URL (any node is a seed: the mock finds the others). */
  url: string;
  /** Every node's URL, comma-separated (the seed-list form of --redis). */
  seeds: string;
  nodes: ClusterNode[];
  /** `redis-cli -p PORT ARGS...` against one node, its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** What one node wrote (its log, at --loglevel warning unless `args` say otherwise). */
  log(port: number): string;
  /** kill -9 of one node. */
  kill(port: number): Promise<void>;
  /** Resolves once every live node says cluster_state:ok and serves every slot (after a failover, too). */
  ok(): Promise<void>;
  stop(): Promise<void>;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A free port whose cluster bus port (+10000) is free too, both below the kernel's ephemeral range (32768 and
 * up), where outgoing connections could take them first (as test/helpers/free-port.ts explains).
 */
async function freeNodePort(taken: number[]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 2_700);
    if (taken.some((t) => Math.abs(t - port) < 1) || !(await bindable(port)) || !(await bindable(port + 10_000)))
      continue;
    return port;
  }
  throw new Error('no free pair of ports PORT and PORT+10000 between 20000 and 32767 on 127.0.0.1');
}

/** `args`: more options for every node (`--cluster-node-timeout 2000` is the default here). */
export async function startRedisCluster(args: string[] = []): Promise<TestRedisCluster> {
  if (!REDIS_SERVER || !REDIS_CLI)
    throw new Error(
      'redis-server and redis-cli are not installed (apt-get install redis-server); under CI=true the Redis Cluster tests must run',
    );
  const cliPath = REDIS_CLI;
  const dir = mkdtempSync(join(tmpdir(), 'cm-cluster-'));
  const nodes: ClusterNode[] = [];
  const ports: number[] = [];
  const logs = new Map<number, () => string>();
  while (ports.length < 6) ports.push(await freeNodePort(ports));
  const cli = async (port: number, ...a: string[]): Promise<string> =>
    (await run(cliPath, ['-h', '127.0.0.1', '-p', String(port), ...a], { timeout: 10_000 })).stdout;
  const stop = async (): Promise<void> => {
    await Promise.all(
      nodes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--loglevel',
          'warning',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          '--repl-diskless-sync-delay',
          '0',
          ...args,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      child.stdout!.on('data', (d: Buffer) => (log += d));
      child.stderr!.on('data', (d: Buffer) => (log += d));
      logs.set(port, () => log);
      nodes.push({ port, child });
    }
    for (const { port, child } of nodes) {
      for (let i = 0; ; i++) {
        if ((await cli(port, 'PING').catch(() => '')).trim() === 'PONG') break;
        if (child.exitCode !== null || i > 100)
          throw new Error(`redis-server --cluster-enabled did not start on port ${port}: ${logs.get(port)?.()}`);
        await pause(50);
      }
    }
    await run(
      cliPath,
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 30_000 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  const live = (): ClusterNode[] => nodes.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  const ok = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      const infos = await Promise.all(live().map(({ port }) => cli(port, 'CLUSTER', 'INFO').catch(() => '')));
      if (infos.every((t) => t.includes('cluster_state:ok') && t.includes('cluster_slots_ok:16384'))) return;
      if (i > 600)
        throw new Error(`the Redis Cluster on ports ${ports.join(', ')} is not ok after 30 s:\n${infos.join('\n')}`);
      await pause(50);
    }
  };
  await ok();
  // A replica that never synced with its master cannot take its place: ready once every replica's link is up.
  for (let i = 0; ; i++) {
    const infos = await Promise.all(nodes.map(({ port }) => cli(port, 'INFO', 'replication').catch(() => '')));
    if (infos.every((t) => t.includes('role:master') || t.includes('master_link_status:up'))) break;
    if (i > 600)
      throw new Error(
        `the Redis Cluster's replicas on ports ${ports.join(', ')} did not sync with their masters in 30 s`,
      );
    await pause(50);
  }
  return {
    url: `redis://127.0.0.1:${ports[0]}`,
    seeds: ports.map((p) => `redis://127.0.0.1:${p}`).join(','),
    nodes,
    cli,
    ok,
    stop,
    log: (port) => logs.get(port)?.() ?? '',
    async masterOf(key) {
      const slot = Number((await cli(live()[0]!.port, 'CLUSTER', 'KEYSLOT', key)).trim());
      for (const line of (await cli(live()[0]!.port, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , state, ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        for (const r of ranges) {
          const [lo, hi = lo] = r.split('-').map(Number);
          if (slot >= lo! && slot <= hi!) return Number(address!.split('@')[0]!.split(':')[1]);
        }
      }
      throw new Error(`no master serves the slot of "${key}" (${slot})`);
    },
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
      const exited = new Promise((r) => node.child.once('exit', r));
      node.child.kill('SIGKILL');
      await exited;
    },
  };
}
