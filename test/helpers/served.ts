/** Test helpers for documents served with `--spec`: the public examples of @readme/oas-examples, a mock serving them, valid requests built from their schemas. */
import { join } from 'node:path';
import { compileContract, type Contract } from '../../src/contract/compile-contract.js';
import { loadServedSpec, loadSpecs, packageRoot, type SpecDocument } from '../../src/contract/load-specs.js';
import type { JsonObject, Operation } from '../../src/contract/types.js';
import { FakeData } from '../../src/answers/fake-data.js';
import { createMock, type Mock, type MockOptions } from '../../src/server/create-mock.js';
import { fixedClock } from '../../src/state/store.js';
import type { CallRecord } from '../../src/journal/call-record.js';
import { T0 } from './mock.js';

/** A document of @readme/oas-examples (written and published by others), e.g. `3.0/yaml/petstore-expanded.yaml`. */
export const oasExample = (name: string): string =>
  join(packageRoot(), 'node_modules', '@readme', 'oas-examples', name);

let builtin: Promise<SpecDocument[]> | undefined;

export async function servedContract(files: string[]): Promise<Contract> {
  const specs = await (builtin ??= loadSpecs());
  const served: SpecDocument[] = [];
  for (const f of files) served.push(await loadServedSpec(f));
  return compileContract([...specs, ...served]);
}

export async function servedMock(
  files: string[],
  options: Partial<MockOptions> = {},
): Promise<Mock & { calls: CallRecord[] }> {
  const calls: CallRecord[] = [];
  const mock = await createMock({
    contract: await servedContract(files),
    clock: fixedClock(T0),
    seed: 42,
    onCall: (r) => calls.push(r),
    log: () => {},
    ...options,
  });
  return Object.assign(mock, { calls });
}

export interface BuiltRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A request that meets the operation's contract: parameters and body generated from their schemas (seeded), every security scheme presented. */
export function validRequest(op: Operation, fake: FakeData, shared: JsonObject[] = []): BuiltRequest {
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  const own = (op.raw['parameters'] ?? []) as JsonObject[];
  for (const p of [...own, ...shared.filter((s) => !own.some((o) => o['name'] === s['name'] && o['in'] === s['in']))]) {
    const schema = (p['schema'] ?? { type: 'string' }) as JsonObject;
    const value = p['example'] ?? fake.fromSchema(schema);
    const text =
      typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : JSON.stringify(value);
    if (p['in'] === 'path') path = path.replace(`{${String(p['name'])}}`, encodeURIComponent(text || 'x'));
    if (p['in'] === 'query' && p['required']) query.set(String(p['name']), text);
    if (p['in'] === 'header' && p['required']) headers[String(p['name'])] = text;
  }
  path = path.replace(/\{[^}]+\}/g, '1');
  const cookies: string[] = [];
  for (const s of op.security?.[0] ?? []) {
    if (s.in === 'header') headers[s.key] = s.prefix ? `${s.prefix} dGVzdDp0ZXN0` : 'test-key';
    else if (s.in === 'query') query.set(s.key, 'test-key');
    else cookies.push(`${s.key}=test-key`);
  }
  if (cookies.length) headers['cookie'] = cookies.join('; ');
  let body: string | undefined;
  const content = ((op.raw['requestBody'] as JsonObject | undefined)?.['content'] ?? {}) as Record<string, JsonObject>;
  if (op.bodyKind === 'json') {
    const type = Object.keys(content).find((t) => /json/i.test(t))!;
    headers['content-type'] = 'application/json';
    const media = content[type]!;
    const example =
      'example' in media
        ? media['example']
        : Object.values((media['examples'] ?? {}) as Record<string, JsonObject>)[0]?.['value'];
    body = JSON.stringify(example ?? fake.fromSchema((media['schema'] ?? {}) as JsonObject));
  } else if (op.bodyKind === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const value = fake.fromSchema(
      (content['application/x-www-form-urlencoded']!['schema'] ?? {}) as JsonObject,
    ) as JsonObject;
    body = new URLSearchParams(
      Object.entries(value ?? {}).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ).toString();
  }
  const qs = query.toString();
  return { method: op.method, path: qs ? `${path}?${qs}` : path, headers, body };
}
