/**
 * Served documents' generated strings follow the property's name and format (faker's `en`), seeded per session and
 * call, and still meet their schema; the four built-in APIs' fake data keeps its Chinese records.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { generate } from '../../src/answers/examples.js';
import { FakeData } from '../../src/answers/fake-data.js';
import type { JsonObject } from '../../src/contract/types.js';
import { servedMock } from '../helpers/served.js';

const PERSON: JsonObject = {
  type: 'object',
  required: ['email', 'name', 'url', 'phone', 'city', 'country', 'createdAt', 'id', 'currency', 'description'],
  properties: {
    email: { type: 'string', format: 'email' },
    name: { type: 'string' },
    url: { type: 'string' },
    phone: { type: 'string' },
    city: { type: 'string' },
    country: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    id: { type: 'string', format: 'uuid' },
    currency: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: ['open', 'closed'] },
    code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2}$' },
    title: { type: 'string', maxLength: 3 },
    updated_at: { type: 'string' },
    ownerId: { type: 'string' },
    documentation_url: { type: 'string' },
    valid: { type: 'string' },
    hotel: { type: 'string' },
    format: { type: 'string' },
  },
};

const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);
const validate = ajv.compile(PERSON);

describe('values by name and format (served documents)', () => {
  test('each field reads like what its name says, and the whole still meets the schema', () => {
    const v = generate(PERSON, (x) => validate(x), new FakeData(7, 'en')) as Record<string, string>;
    expect(validate(v)).toBe(true);
    expect(v['email']).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/i);
    expect(new URL(v['url']!).protocol).toMatch(/^https?:$/);
    expect(v['name']).toMatch(/^[A-Z][a-z'.-]+( [A-Z][A-Za-z'.-]+)+$/);
    expect(v['phone']).toMatch(/^\+\d{8,15}$/);
    expect(v['city']).toMatch(/^[A-Z][A-Za-z .'-]+$/);
    expect(v['country']).toMatch(/^[A-Z]/);
    expect(Number.isNaN(Date.parse(v['createdAt']!))).toBe(false);
    expect(v['id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(v['currency']).toMatch(/^[A-Z]{3}$/);
    expect(v['description']!.split(' ').length).toBeGreaterThan(2);
    expect(['open', 'closed']).toContain(v['status']);
    expect(v['code']).toMatch(/^[A-Z]{3}-\d{2}$/);
    expect(v['title']!.length).toBeLessThanOrEqual(3);
    expect(Number.isNaN(Date.parse(v['updated_at']!))).toBe(false);
    expect(v['ownerId']).toMatch(/^[0-9a-f]{8}-/);
    expect(new URL(v['documentation_url']!).protocol).toMatch(/^https?:$/);
    // Names that only end like a rule's word keep json-schema-faker's value.
    expect(v['valid']).not.toMatch(/^[0-9a-f]{8}-/);
    expect(v['hotel']).not.toMatch(/^\+\d{8,}$/);
    expect(Number.isNaN(Date.parse(v['format']!))).toBe(true);
  });

  test('the same seed gives the same values, another seed others', () => {
    const at = (seed: number) => generate(PERSON, (x) => validate(x), new FakeData(seed, 'en'));
    expect(at(11)).toEqual(at(11));
    expect(at(12)).not.toEqual(at(11));
  });

  test('the built-ins keep their data: the default fake data rewrites no field by English name', () => {
    const zh = new FakeData(7).fromSchema(PERSON) as Record<string, string>;
    const en = new FakeData(7, 'en').fromSchema(PERSON) as Record<string, string>;
    for (const key of ['name', 'city', 'country', 'currency', 'phone', 'url']) expect(zh[key]).not.toEqual(en[key]);
    expect(zh['name']).not.toMatch(/^[A-Z][a-z'.-]+ [A-Z]/);
  });
});

describe('a served document answers with them', () => {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'People', version: '1', 'x-api': 'people' },
    paths: {
      '/people/me': {
        get: {
          operationId: 'getMe',
          responses: { '200': { description: 'me', content: { 'application/json': { schema: PERSON } } } },
        },
      },
    },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'people-')), 'people.openapi.json');
  writeFileSync(file, JSON.stringify(doc));

  test('per session and call: the same again in a fresh mock, another session differs, no violations', async () => {
    const get = async (session: string) => {
      const m = await servedMock([file]);
      const r = await request(m.listener).get('/people/me').set('X-Mock-Session', session);
      expect(m.calls.flatMap((c) => c.violations)).toEqual([]);
      m.close();
      return r.body as Record<string, string>;
    };
    const a = await get('a');
    expect(validate(a)).toBe(true);
    expect(a['email']).toContain('@');
    expect(new URL(a['url']!).href).toBeTruthy();
    expect(await get('a')).toEqual(a);
    expect((await get('b'))['email']).not.toEqual(a['email']);
  });
});
