#!/usr/bin/env node
// `npm run bench:cpu`: the mock's own CPU per call, without sockets. Calls go through the same
// listener `serve` uses, with in-memory request/response objects, one after another; this separates
// what the mock's code costs from what node:http and the kernel cost (bench/README.md), and is
// steady enough to compare two builds of a change. Prints min and median µs per call over rounds.
//
// Env: CPU_CALLS (calls per round, default 30000), CPU_ROUNDS (default 10), CPU_WORKLOADS (default a,b,c).
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { startMock } = await import(pathToFileURL(join(root, 'dist', 'src', 'index.js')).href);
const CALLS = Number(process.env.CPU_CALLS ?? 30_000);
const ROUNDS = Number(process.env.CPU_ROUNDS ?? 10);
const WORKLOADS = (process.env.CPU_WORKLOADS ?? 'a,b,c').split(',');

const mock = await startMock({ log: () => {} });

/** One call through the listener; resolves with the response text. */
function call(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = new Readable({ read() {} });
    Object.assign(req, { method, url, headers, rawHeaders: [], socket: { remoteAddress: '127.0.0.1' } });
    const res = {
      headersSent: false,
      statusCode: 200,
      writeHead(status) {
        this.statusCode = status;
        this.headersSent = true;
        return this;
      },
      setHeader() {},
      end: (text) => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))),
      on() {},
      once() {},
    };
    mock.listener(req, res);
    if (body) req.push(Buffer.from(body));
    req.push(null);
  });
}

const headers = (type, body) => ({ host: '127.0.0.1:4010', connection: 'keep-alive', 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
const json = (body) => headers('application/json', body);
const form = (body) => headers('application/x-www-form-urlencoded', body);
const post = (path, h, body) => () => call('POST', path, h(body), body);

// The workloads of bench.mjs: (a) a token, (b) a stateful write with it, (c) an ios-datasyn form carrying JSON.
const TOKEN_BODY = JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' });
const register = 'loginName=bench&password=pw&realName=%E5%BC%A0%E4%B8%89&sex=1&school=s&grade=g&classNum=3&englishscore=100';
await post('/datasyn/user/register', form, register)();
const login = JSON.parse(await post('/datasyn/user/login', form, 'loginName=bench&password=pw&synDevice=bench-1')());
const tables = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
const metas = JSON.stringify({ tablemeta: tables.map((t) => ({ synId: 1, synTable: t, userId: 111, version: 0, lastModTime: null })) });
const token = JSON.parse(await post('/v1/channel/token', json, TOKEN_BODY)()).data.access_token;
const school = JSON.stringify({ access_token: token, organName: '武汉市第一中学', organKind: 3, provinceName: '湖北省', cityName: '武汉市', areaName: '武昌区', otherId: 100 });
const workloads = {
  a: ['(a) token', post('/v1/channel/token', json, TOKEN_BODY)],
  b: ['(b) save school', post('/v1/abutment/syncSaveOrganMetadata', json, school)],
  c: ['(c) ios synmetas (form + json)', post('/datasyn/syn/synmetas', form, new URLSearchParams({ token: login.data.token, json: metas }).toString())],
};

for (const key of WORKLOADS) {
  const [name, work] = workloads[key];
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await work();
    times.push(((performance.now() - t0) / CALLS) * 1000);
  }
  times.sort((x, y) => x - y);
  console.log(`${name.padEnd(32)} min ${times[0].toFixed(2)} µs/call, median ${times[times.length >> 1].toFixed(2)} µs/call`);
}
mock.close();
