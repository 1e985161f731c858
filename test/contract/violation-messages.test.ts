/** Violation messages a person can act on: the closest oneOf / anyOf branch's problems, each once. */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import { testMock } from '../helpers/mock.js';

const violationsOf = (res: request.Response): Array<{ pointer: string; message: string }> =>
  JSON.parse(res.headers['x-mock-violations'] as string);

describe('channelToken oneOf [GetTokenRequest, RenewTokenRequest]', () => {
  test.each([
    ['appid without secret', { appid: 'demo-app' }, [{ pointer: '/body/secret', message: 'is required' }]],
    [
      'an extra key on a token request',
      { appid: 'demo-app', secret: 'demo-secret', extra: 1 },
      [{ pointer: '/body/extra', message: 'is not a documented field' }],
    ],
    [
      'a renewal with an extra key',
      { access_token: 'x', extra: 1 },
      [{ pointer: '/body/extra', message: 'is not a documented field' }],
    ],
    ['a mistyped secret', { appid: 'demo-app', secret: 7 }, [{ pointer: '/body/secret', message: 'must be string' }]],
  ])('%s names only the closest branch, once', async (_n, body, expected) => {
    const m = await testMock();
    const res = await request(m.listener).post('/v1/channel/token').send(body);
    expect(res.body).toEqual({ status: 402, message: '参数错误' });
    expect(violationsOf(res)).toEqual(expected);
  });
});

test('a response check names the closest anyOf branch too (a success envelope missing data)', async () => {
  const { validateResponse } = await import('../../src/contract/validate-request.js');
  const m = await testMock();
  const op = m.contract.operations.find((o) => o.operationId === 'syncSaveOrganMetadata')!;
  const found = validateResponse(op, { status: 200, message: 'success' });
  expect(found.map((v) => `${v.pointer} ${v.message}`)).toEqual(['/data is required']);
});
