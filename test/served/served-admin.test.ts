/** The admin API for a served spec as for the four: its state in GET /__mock/state, its calls filtered by api and operationId, verify, reset. */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { oasExample, servedMock } from '../helpers/served.js';

describe('admin API with a served spec', () => {
  test('state, journal filters, POST /__mock/verify and reset see the served API', async () => {
    const m = await servedMock([oasExample('3.0/yaml/petstore-expanded.yaml')]);
    const s = { 'X-Mock-Session': 'qa' };
    await request(m.listener).post('/api/pets').set(s).send({ name: 'Rex' });
    await request(m.listener).post('/api/pets').set(s).send({ name: 'Tom' });
    await request(m.listener).post('/v1/channel/token').set(s).send({ appid: 'demo-app', secret: 'demo-secret' });

    const state = await request(m.listener).get('/__mock/state').set(s);
    expect(state.body.apis['petstore-expanded']['/api/pets'].map((p: { name: string }) => p.name)).toEqual(['Rex', 'Tom']);
    expect(state.body.apis['platform-sync']).toBeDefined();

    const calls = await request(m.listener).get('/__mock/calls?api=petstore-expanded').set(s);
    expect(calls.body.map((c: { operationId: string }) => c.operationId)).toEqual(['addPet', 'addPet']);
    const verified = await request(m.listener).post('/__mock/verify').set(s).send({ operationId: 'addPet', count: 2 });
    expect(verified.body.ok).toBe(true);

    expect((await request(m.listener).post('/__mock/reset').set(s)).status).toBeLessThan(300);
    expect((await request(m.listener).get('/api/pets').set(s)).body).toEqual([]);
    m.close();
  });
});
