#!/usr/bin/env node
// bench:cpu's split by stage: runs a workload under the V8 sampling profiler (node:inspector, in this process)
// and attributes each sample's time to the pipeline stage it was spent in (the rule is in bench/README.md,
// "CPU per call by stage"). Knows nothing of the workloads or of how the headline figure is taken.
//
// Run alone, it splits profiles taken elsewhere (bench/serve-profile.mjs takes one of serve under load):
//   node bench/cpu-stages.mjs PROFILE.cpuprofile [REQUESTS] [TOP]
// REQUESTS (the calls the profile saw) turns the profile's busy time from the first API call on into µs per call;
// TOP lists each stage's top functions.
import { Session } from 'node:inspector/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The rows of the split, in the order of the walk: the stages, then the buckets outside them (bench/README.md says what each holds). */
export const STAGES = [
  'receive',
  'match',
  'validate',
  'scenario',
  'handle',
  'respond',
  'record',
  'journal',
  'walk',
  'async',
  'streams',
  'http',
  'harness',
  'gc',
  'other',
];

/** Stage files: each file of dist/src/pipeline/ that is a stage, or a helper counted with the stage that calls it. */
const STAGE_FILES = {
  'receive.js': 'receive',
  'body-reader.js': 'receive',
  'time-cache.js': 'receive',
  'match.js': 'match',
  'validate.js': 'validate',
  'scenario.js': 'scenario',
  'handle.js': 'handle',
  'respond.js': 'respond',
  'record.js': 'record',
  'deliveries.js': 'handle',
};

/** Code outside the pipeline that runs as an async continuation (no stage frame under it): the stage that owns it. */
const HOMES = [
  ['/dist/src/apis/', 'handle'],
  ['/dist/src/answers/', 'handle'],
  ['/dist/src/state/', 'handle'],
  ['/dist/src/scenarios/', 'scenario'],
  ['/dist/src/journal/', 'journal'],
];

const PIPELINE = '/dist/src/pipeline/';
/** Where the walk's onCall lives (server/create-mock.js; mock/create-server.js in builds before issue 26). */
const ON_CALL = ['/dist/src/server/create-mock.js', '/dist/src/mock/create-server.js'];
/** The listener and its helpers, outside the pipeline: walk. */
const LISTENER = ['/dist/src/server/', '/dist/src/mock/create-server.js', '/dist/src/http/'];
const HTTP = ['node:_http_', 'node:http', 'node:net', 'node:internal/stream_base_commons', 'node:internal/http'];
const STREAMS = [
  'node:internal/streams',
  'node:events',
  'node:internal/process/task_queues',
  'node:internal/timers',
  'node:buffer',
];
/** The profiler's own frames (Profiler.stop): in no row, and not in the total. */
const PROFILER = 'node:inspector';

/**
 * The row of one profile node, walking its stack from the leaf: a node:http frame makes it http; else the innermost
 * stage frame decides; else the innermost index.js frame (the walk) counts its callee's row (onCall → journal) or
 * itself; with no pipeline frame at all, the home of the innermost frame of ours (async continuations: apis/,
 * answers/, state/ → handle, scenarios/ → scenario, journal/ → journal), else async, walk (the listener), harness,
 * streams, gc or other.
 */
function classify(chain) {
  // chain: frames from the leaf to the root.
  for (let i = 0; i < chain.length; i++) {
    const url = chain[i].url;
    // node:http's own work, whoever called it (respond's res.end and its writev): parsing and writing.
    if (HTTP.some((prefix) => url.startsWith(prefix))) return 'http';
    const at = url.indexOf(PIPELINE);
    if (at < 0) continue;
    const file = url.slice(at + PIPELINE.length);
    const stage = STAGE_FILES[file];
    if (stage) return stage;
    if (file === 'index.js') {
      // Frames called from the walk itself: the journal's onCall (server/create-mock.js → journal/), else the walk's own code.
      const callee = chain
        .slice(0, i)
        .reverse()
        .find((f) => f.url.includes('/dist/src/'));
      if (callee && (ON_CALL.some((file) => callee.url.includes(file)) || callee.url.includes('/dist/src/journal/')))
        return 'journal';
      return 'walk';
    }
  }
  const leaf = chain[0];
  if (leaf.functionName === '(garbage collector)') return 'gc';
  if (leaf.functionName === 'runMicrotasks' || leaf.functionName === 'processTicksAndRejections') return 'async';
  for (const f of chain) for (const [dir, stage] of HOMES) if (f.url.includes(dir)) return stage;
  if (chain.some((f) => LISTENER.some((dir) => f.url.includes(dir)))) return 'walk';
  if (chain.some((f) => f.url.includes('/bench/'))) return 'harness';
  if (chain.some((f) => STREAMS.some((prefix) => f.url.startsWith(prefix)))) return 'streams';
  return 'other';
}

/** The index of the first sample with a pipeline frame on its stack. */
function firstCall(profile, byId, parent) {
  const inPipeline = new Map();
  const has = (id) => {
    if (id === undefined) return false;
    if (!inPipeline.has(id)) inPipeline.set(id, byId.get(id).callFrame.url.includes(PIPELINE) || has(parent.get(id)));
    return inPipeline.get(id);
  };
  const at = profile.samples.findIndex(has);
  return at < 0 ? 0 : at;
}

/** Self time per profile node in µs, from sample `from` on (each sample counts the time to the next one; the last none). */
function selfTimes(profile, from) {
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = from; i < samples.length; i++) {
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  return self;
}

/**
 * Per row: its share of the profiled time, and its top functions by self time (name, file:line, share).
 * `fromFirstCall`: samples before the first one with a pipeline frame are left out (a process's start-up).
 */
export function splitByStage(profile, { fromFirstCall = false } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = selfTimes(profile, fromFirstCall ? firstCall(profile, byId, parent) : 0);
  const counted = [];
  let total = 0;
  for (const [id, t] of self) {
    if (t === 0 || byId.get(id).callFrame.functionName === '(idle)') continue;
    const chain = [];
    for (let at = id; at !== undefined; at = parent.get(at)) chain.push(byId.get(at).callFrame);
    if (chain.some((f) => f.url === PROFILER)) continue;
    counted.push([id, t, chain]);
    total += t;
  }
  const rows = Object.fromEntries(STAGES.map((s) => [s, { share: 0, functions: new Map() }]));
  for (const [id, t, chain] of counted) {
    const node = byId.get(id);
    const row = rows[classify(chain)];
    row.share += t / total;
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/dist\/src\//, '').replace(/^file:\/\/.*\/(bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
      : '';
    const name = `${f.functionName || '(anonymous)'} ${where}`.trim();
    row.functions.set(name, (row.functions.get(name) ?? 0) + t / total);
  }
  return { totalUs: total, rows };
}

/**
 * Runs `calls` calls of `work` (one after another) under the sampling profiler, every `intervalUs` µs; returns
 * the profile and the CPU time it took per call (the profiler's own cost included). `out`: a file to write
 * the .cpuprofile to (Chrome DevTools opens it).
 */
export async function profileCalls(work, calls, intervalUs, out) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await work();
  const c = process.cpuUsage(c0);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  if (out) writeFileSync(out, JSON.stringify(profile));
  return { profile, cpuPerCall: (c.user + c.system) / calls };
}

/** The split as a markdown table: a column per workload ({ name, perCall µs, profiled µs?, split }); rows empty in every column are left out. */
export function stageTable(columns) {
  const cell = (c, stage) => {
    const share = c.split.rows[stage].share;
    return `${(share * c.perCall).toFixed(2)} µs (${(share * 100).toFixed(1)} %)`;
  };
  const lines = [
    `| stage | ${columns.map((c) => c.name).join(' | ')} |`,
    `|---|${columns.map(() => '--:').join('|')}|`,
  ];
  for (const stage of STAGES)
    if (columns.some((c) => c.split.rows[stage].share >= 0.0005))
      lines.push(`| ${stage} | ${columns.map((c) => cell(c, stage)).join(' | ')} |`);
  lines.push(`| **total** | ${columns.map((c) => `**${c.perCall.toFixed(2)} µs**`).join(' | ')} |`);
  if (columns.every((c) => c.profiled !== undefined))
    lines.push(
      `| (profiled pass, profiler's cost included) | ${columns.map((c) => `${c.profiled.toFixed(2)} µs`).join(' | ')} |`,
    );
  return lines.join('\n');
}

/** Each stage's `top` functions by self time, µs per call, per column. */
export function topFunctions(columns, top) {
  const lines = [];
  for (const c of columns) {
    lines.push(`\n${c.name}: top ${top} functions by self time in each stage (µs per call)`);
    for (const stage of STAGES) {
      const row = c.split.rows[stage];
      const best = [...row.functions].sort((x, y) => y[1] - x[1]).slice(0, top);
      if (best.length)
        lines.push(
          `  ${stage} ${(row.share * c.perCall).toFixed(2)} µs: ${best.map(([f, s]) => `${f} ${(s * c.perCall).toFixed(2)}`).join('; ')}`,
        );
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, requests, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/cpu-stages.mjs PROFILE.cpuprofile [REQUESTS] [TOP]');
    process.exit(2);
  }
  const split = splitByStage(JSON.parse(readFileSync(file, 'utf8')), { fromFirstCall: true });
  // Without REQUESTS the µs are of the whole profile's busy time (a "call" is the whole run).
  const column = { name: file, perCall: split.totalUs / Number(requests ?? 1), split };
  console.log(stageTable([column]));
  if (top) console.log(topFunctions([column], Number(top)));
}
