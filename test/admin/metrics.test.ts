/**
 * GET /__mock/metrics: every line of the answer is well-formed Prometheus text (a strict check: prom-client has no
 * parser), the counts match the calls made, the histogram is cumulative, and under --admin-token the token is required.
 */
import request from 'supertest';
import { expect, test } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.js';
import { CallTally } from '../../src/journal/call-tally.js';
import { testMock } from '../helpers/mock.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{(${LABEL}(?:,${LABEL})*)?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?|\\+Inf|-Inf|NaN))$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) \\S.*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Parses the text format strictly: a line that is none of HELP, TYPE, a sample of a declared family, or blank fails. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '' || HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type) {
      expect(types.has(type[1]!), `${type[1]} declared twice`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    const name = m![1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family), `${name} has no # TYPE before it`).toBe(true);
    const labels = Object.fromEntries(
      [...(m![2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    samples.push({ name, labels, value: Number(m![3]) });
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const token = (secret: string) => ({ appid: 'demo-app', secret });

test('after some calls, the metrics count them by API, operation and code, with violations, latency, sessions and journal', async () => {
  const m = await testMock();
  const api = request(m.listener);
  await api.post('/v1/channel/token').send(token('demo-secret')).expect(200);
  await api.post('/v1/channel/token').send(token('demo-secret')).expect(200);
  await api.post('/v1/channel/token').send(token('wrong')).expect(200);
  await api.post('/v1/channel/token').send({ appid: 'demo-app' }).expect(200);
  await api.get('/no/such/path').expect(404);
  await api.get('/__mock/calls').set('X-Mock-Session', 'other').expect(200);

  const res = await api.get('/__mock/metrics').expect(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  const { samples, types } = parse(res.text);
  expect(types.get('contract_mock_calls_total')).toBe('counter');
  expect(types.get('contract_mock_call_duration_seconds')).toBe('histogram');

  const codes = m.calls.filter((c) => c.operationId === 'channelToken').map((c) => c.response.code);
  const [ok, wrong, missing] = [codes[0]!, codes[2]!, codes[3]!];
  expect(new Set([ok, wrong, missing]).size).toBe(3);
  const token_ = { api: 'platform-sync', operation: 'channelToken' };
  expect(value(samples, 'contract_mock_calls_total', { ...token_, code: ok })).toBe(2);
  expect(value(samples, 'contract_mock_calls_total', { ...token_, code: wrong })).toBe(1);
  expect(value(samples, 'contract_mock_calls_total', { ...token_, code: missing })).toBe(1);
  expect(value(samples, 'contract_mock_calls_total', { api: '', operation: '', code: '' })).toBe(1);
  expect(samples.filter((s) => s.name === 'contract_mock_calls_total').reduce((n, s) => n + s.value, 0)).toBe(5);
  // The missing secret and the unknown path broke the contract; the admin call is no API call.
  expect(value(samples, 'contract_mock_violating_calls_total', { ...token_, code: missing })).toBe(1);
  expect(value(samples, 'contract_mock_violating_calls_total', { ...token_, code: ok })).toBe(0);
  expect(value(samples, 'contract_mock_violations_total', { api: '', operation: '', code: '' })).toBe(1);

  const buckets = samples.filter(
    (s) => s.name === 'contract_mock_call_duration_seconds_bucket' && s.labels['api'] === 'platform-sync',
  );
  expect(buckets.at(-1)!.labels['le']).toBe('+Inf');
  expect(buckets.at(-1)!.value).toBe(4);
  buckets.slice(1).forEach((b, i) => expect(b.value).toBeGreaterThanOrEqual(buckets[i]!.value));
  expect(value(samples, 'contract_mock_call_duration_seconds_count', { api: 'platform-sync' })).toBe(4);

  expect(value(samples, 'contract_mock_sessions_held')).toBe(2);
  expect(value(samples, 'contract_mock_sessions_evicted_total')).toBe(0);
  expect(value(samples, 'contract_mock_journal_records')).toBe(5);
  expect(value(samples, 'contract_mock_journal_bytes')).toBeGreaterThan(0);
  expect(value(samples, 'contract_mock_store_up', { backend: 'local' })).toBe(1);

  // A second scrape counts the same calls again, not twice.
  const again = parse((await api.get('/__mock/metrics').expect(200)).text);
  expect(value(again.samples, 'contract_mock_calls_total', { ...token_, code: ok })).toBe(2);
});

test('under --admin-token the metrics need the token, like every admin route', async () => {
  const m = await testMock({ adminToken: 'scrape-secret' });
  const api = request(m.listener);
  const refused = await api.get('/__mock/metrics').expect(401);
  expect(refused.headers['content-type']).toContain('application/problem+json');
  await api.get('/__mock/metrics').set('Authorization', 'Bearer wrong-secret!').expect(401);
  const res = await api.get('/__mock/metrics').set('Authorization', 'Bearer scrape-secret').expect(200);
  expect(value(parse(res.text).samples, 'contract_mock_sessions_held')).toBeGreaterThanOrEqual(0);
});

test('two mocks in one process keep their own registries', async () => {
  const [a, b] = [await testMock(), await testMock()];
  await request(a.listener).post('/v1/channel/token').send(token('demo-secret')).expect(200);
  const inB = parse((await request(b.listener).get('/__mock/metrics').expect(200)).text);
  expect(inB.samples.filter((s) => s.name === 'contract_mock_calls_total')).toEqual([]);
  const inA = parse((await request(a.listener).get('/__mock/metrics').expect(200)).text);
  expect(inA.samples.filter((s) => s.name === 'contract_mock_calls_total').map((s) => s.value)).toEqual([1]);
});

test('a store that does not answer is store_up 0 and keeps the last session figures; a file that cannot be written is counted', async () => {
  const metrics = createMetrics(new CallTally());
  const journal = { records: 3, bytes: 900, evicted: 2, queued: 0, sessions: 1, maxPerSession: 10, maxTotal: 100 };
  const up = parse(
    await metrics.render({
      journal,
      sessions: { held: 4, max: 8, evicted: 1 },
      store: { backend: 'redis', status: 'up' },
      persistence: [],
    }),
  );
  expect(value(up.samples, 'contract_mock_store_up', { backend: 'redis' })).toBe(1);
  const down = parse(
    await metrics.render({
      journal,
      store: { backend: 'redis', status: 'down', error: 'timeout' },
      persistence: [{ file: 'state.log', error: 'ENOSPC', since: '2026-12-07T00:00:00Z' }],
    }),
  );
  expect(value(down.samples, 'contract_mock_store_up', { backend: 'redis' })).toBe(0);
  expect(value(down.samples, 'contract_mock_sessions_held')).toBe(4);
  expect(value(down.samples, 'contract_mock_sessions_evicted_total')).toBe(1);
  expect(value(down.samples, 'contract_mock_journal_evicted_total')).toBe(2);
  expect(value(down.samples, 'contract_mock_persistence_failures')).toBe(1);
});
