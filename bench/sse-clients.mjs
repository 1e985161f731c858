// What non-reading /__mock/events clients cost the server: starts `serve`, opens N streams that never read,
// sends calls with large Chinese bodies, and prints the server's RSS growth per client. Two shapes: every client
// on `?session=*` (one shared stream of records), and each client on a session of its own (distinct records,
// the worst case). The journal keeps one record per session, so what grows is what waits for the clients.
// Usage: node bench/sse-clients.mjs [clients=60] [calls-per-client=700] [shared|separate|both]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const clients = Number(process.argv[2] ?? 60);
const calls = Number(process.argv[3] ?? 700);
const shapes = (process.argv[4] ?? 'both') === 'both' ? ['shared', 'separate'] : [process.argv[4]];
const bin = fileURLToPath(new URL('../bin/contract-mock.js', import.meta.url));
// About 60 KB of UTF-8 (20,000 characters of Chinese): a body the journal keeps whole (its preview cut is 64 KB).
const organName = '武汉市第一中学'.repeat(2900);

async function start() {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--journal-per-session', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { child, url };
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** A stream that never reads: its socket is paused as soon as the headers are sent. */
function idleStream(url, session) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET /__mock/events?session=${encodeURIComponent(session)} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      socket.once('data', (d) => {
        socket.pause();
        resolve({ socket, status: Number(/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1]) });
      });
    });
    socket.on('error', () => {});
  });
}

const body = JSON.stringify({
  access_token: 'x',
  organName,
  organKind: 2,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: 1,
});
const call = async (url, session) =>
  (
    await fetch(`${url}/v1/abutment/syncSaveOrganMetadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': session },
      body,
    })
  ).arrayBuffer();
/** Event streams the server still holds (a paused client does not see its stream closed). */
const subscribers = async (url) => (await (await fetch(`${url}/__mock/health`)).json()).journal.subscribers;

async function run(shape) {
  const { child, url } = await start();
  for (let i = 0; i < 20; i++) await call(url, 'warm-up');
  const before = rssMb(child.pid);
  const streams = [];
  for (let i = 0; i < clients; i++) streams.push(await idleStream(url, shape === 'shared' ? '*' : `s${i}`));
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await idleStream(url, 'one-more')).status);
  // Round by round, a call per session (one session for the shared stream); RSS is taken while every client is held.
  const extra = statuses.filter((st) => st === 200).length; // streams past N that were let in: they never receive
  let peak = 0;
  let dropped = 0;
  for (let round = 1; round <= calls; round++) {
    if (shape === 'shared') await call(url, 'everyone');
    else for (let i = 0; i < clients; i++) await call(url, `s${i}`);
    if (round % 5 === 0) {
      const held = (await subscribers(url)) - extra;
      if (held === clients) peak = Math.max(peak, rssMb(child.pid) - before);
      else if (!dropped) dropped = round;
    }
  }
  const held = (await subscribers(url)) - extra;
  console.log(
    `${shape.padEnd(9)} ${clients} non-reading clients, ${calls} calls of 61 KB per ${shape === 'shared' ? 'the shared stream' : 'client'}: ` +
      `RSS up to +${peak.toFixed(0)} MB while all were held (${(peak / clients).toFixed(1)} MB a client); the first dropped by call ${dropped || '-'}, ` +
      `${held} held at the end; clients past the cap answered ${[...new Set(statuses)].join(', ')}`,
  );
  for (const s of streams) s.socket.destroy();
  child.kill('SIGKILL');
}

for (const shape of shapes) await run(shape);
