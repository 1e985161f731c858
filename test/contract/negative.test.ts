/** The schemas reject what the documents forbid: a table of bad requests, each through the mock's own request validator. */
import { describe, expect, test } from 'vitest';
import { validateRequest, type RawRequest } from '../../src/contract/validate-request.js';
import { loadContract } from '../helpers/mock.js';

const contract = await loadContract();
const op = (id: string) => contract.operations.find((o) => o.operationId === id)!;

const school = {
  access_token: 't',
  organName: '武汉一中',
  organKind: 2,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: 1,
};
const klass = { access_token: 't', className: '尖子班', gradeName: '2018级', otherSchoolId: 1, otherId: 2 };
const register = {
  loginName: 'zs',
  password: 'p',
  realName: '张三',
  sex: '1',
  school: '武汉一中',
  grade: '3班',
  classNum: '3',
  englishscore: '120',
};
const meta = (json: unknown) => ({ token: '1:2', json: typeof json === 'string' ? json : JSON.stringify(json) });
const goodMeta = { tablemeta: [{ synTable: 'user', version: 0, lastModTime: null }] };

/** The part of a raw request each case sets; method and params are filled in by the test. */
type Sent = Pick<RawRequest, 'contentType' | 'body' | 'search'>;
const json = (body: unknown): Sent => ({ contentType: 'application/json', body: JSON.stringify(body), search: '' });
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
const form = (body: Record<string, unknown>): Sent => ({
  contentType: 'application/x-www-form-urlencoded',
  body: new URLSearchParams(defined(body)).toString(),
  search: '',
});
const query = (q: Record<string, string>): Sent => ({
  contentType: undefined,
  body: undefined,
  search: new URLSearchParams(q).toString(),
});

type Case = [string, string, Sent, string];
const cases: Case[] = [
  ['organKind 6', 'syncSaveOrganMetadata', json({ ...school, organKind: 6 }), '/body/organKind'],
  ['organKind 0', 'syncSaveOrganMetadata', json({ ...school, organKind: 0 }), '/body/organKind'],
  ['organKind as a string', 'syncSaveOrganMetadata', json({ ...school, organKind: '2' }), '/body/organKind'],
  [
    'otherId as a string where Long is documented',
    'syncSaveOrganMetadata',
    json({ ...school, otherId: 'abc' }),
    '/body/otherId',
  ],
  ['missing organName', 'syncSaveOrganMetadata', json({ ...school, organName: undefined }), '/body/organName'],
  ['misspelled field', 'syncSaveOrganMetadata', json({ ...school, organname: 'x' }), '/body/organname'],
  [
    'missing otherSchoolId',
    'syncSaveClassMetadata',
    json({ ...klass, otherSchoolId: undefined }),
    '/body/otherSchoolId',
  ],
  ['user type 3', 'syncSaveUserMetadata', json({ access_token: 't', uid: 1, type: 3 }), '/body/type'],
  ['user sex 2', 'syncSaveUserMetadata', json({ access_token: 't', uid: 1, sex: 2 }), '/body/sex'],
  ['uid as a string', 'syncSaveUserMetadata', json({ access_token: 't', uid: 'u1' }), '/body/uid'],
  ['token: appid without secret', 'channelToken', json({ appid: 'demo-app' }), '/body/secret'],
  ['classNum 7', 'register', form({ ...register, classNum: '7' }), '/body/classNum'],
  ['classNum 0', 'register', form({ ...register, classNum: '0' }), '/body/classNum'],
  ['englishscore 0', 'register', form({ ...register, englishscore: '0' }), '/body/englishscore'],
  ['englishscore 201', 'register', form({ ...register, englishscore: '201' }), '/body/englishscore'],
  ['sex 2', 'register', form({ ...register, sex: '2' }), '/body/sex'],
  ['classNum not a number', 'register', form({ ...register, classNum: 'three' }), '/body/classNum'],
  ['missing password (默认都是必选参数)', 'register', form({ ...register, password: undefined }), '/body/password'],
  ['login without synDevice', 'login', form({ loginName: 'a', password: 'b' }), '/body/synDevice'],
  ['json field that is not JSON', 'synmetas', form(meta('{tablemeta:')), '/body/json'],
  ['json field with the wrong shape', 'synmetas', form(meta({ tables: [] })), '/body/json/tablemeta'],
  [
    'json table name usertestcounnt (the typo)',
    'synmetas',
    form(meta({ tablemeta: [{ synTable: 'usertestcounnt', version: 0, lastModTime: null }] })),
    '/body/json/tablemeta/0/synTable',
  ],
  [
    'json version as a string',
    'synmetas',
    form(meta({ tablemeta: [{ synTable: 'user', version: '1', lastModTime: null }] })),
    '/body/json/tablemeta/0/version',
  ],
  [
    'json lastModTime as a date string',
    'synmetas',
    form(meta({ tablemeta: [{ synTable: 'user', version: 1, lastModTime: '2017-03-25 15:58:23' }] })),
    '/body/json/tablemeta/0/lastModTime',
  ],
  [
    'syntabledata row date in another format',
    'syntabledata',
    form(meta({ downSynTable: [], tableData: { usertest: [{ userId: 1, testinTime: '2017/03/25' }] } })),
    '/body/json/tableData/usertest/0/testinTime',
  ],
  [
    'syntabledata unknown table',
    'syntabledata',
    form(meta({ downSynTable: [], tableData: { users: [] } })),
    '/body/json/tableData/users',
  ],
  [
    'trackdatas row without userId',
    'trackdatas',
    form(meta({ trackData: { userLogin: [{ userLoginId: 1 }] } })),
    '/body/json/trackData/userLogin/0/userId',
  ],
  ['statu 2', 'updatePushProject', json({ id: 1, statu: 2 }), '/body/statu'],
  [
    'statu 907 (the document example)',
    'updatePushProject',
    json({ id: 281, url: 'u', project: 'p', statu: 907 }),
    '/body/statu',
  ],
  ['update without id', 'updatePushProject', json({ url: 'u' }), '/body/id'],
  ['id as a string', 'updatePushProject', json({ id: 'x' }), '/body/id'],
  ['add without url', 'addPushProject', form({ project: 'p' }), '/body/url'],
  ['delete without id', 'deletePushProject', query({}), '/query/id'],
  ['delete id not a number', 'deletePushProject', query({ id: 'abc' }), '/query/id'],
  ['org info without org_id', 'getOrgInfo', query({ access_token: 'demo-token' }), '/query/org_id'],
  ['org info without access_token', 'getOrgInfo', query({ org_id: 'demo-org' }), '/query/access_token'],
];

describe('the schemas reject what the documents forbid', () => {
  test.each(cases)('%s (%s)', (_name, operationId, request, pointer) => {
    const check = validateRequest(op(operationId), { method: 'POST', params: {}, ...request });
    // The catalogue key the mock answers with: the operation's JSON-field error for a bad JSON form field, else its parameter error.
    const o = op(operationId);
    expect(check.errorKey).toBe(pointer.startsWith('/body/json') ? o.jsonError : o.paramError);
    expect(check.violations.map((v) => v.pointer)).toContain(pointer);
  });

  test('a JSON field with the wrong shape answers the JSON error (ios-datasyn 5), other faults the parameter error (3)', () => {
    expect(
      validateRequest(op('synmetas'), { method: 'POST', params: {}, ...form(meta({ tables: [] })) }).errorKey,
    ).toBe('5');
    expect(
      validateRequest(op('synmetas'), { method: 'POST', params: {}, ...form({ json: JSON.stringify(goodMeta) }) })
        .errorKey,
    ).toBe('3');
    expect(validateRequest(op('login'), { method: 'POST', params: {}, ...form({ loginName: 'a' }) }).errorKey).toBe(
      '2001',
    );
  });

  test('the same requests, corrected, pass', () => {
    const ok: Array<[string, Sent]> = [
      ['syncSaveOrganMetadata', json(school)],
      ['syncSaveClassMetadata', json(klass)],
      ['register', form(register)],
      ['synmetas', form(meta(goodMeta))],
      ['synmetas', form(meta({ tablemeta: [{ synTable: 'USERCARD', version: 3, lastModTime: 1489655096628 }] }))],
      ['updatePushProject', json({ id: 281, url: 'u', project: 'p', statu: 1 })],
      ['getOrgInfo', query({ org_id: 'demo-org', access_token: 'demo-token' })],
    ];
    for (const [id, request] of ok) {
      const check = validateRequest(op(id), { method: 'POST', params: {}, ...request });
      expect(check.violations, id).toEqual([]);
    }
  });
});
