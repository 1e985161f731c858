/** Generated values look like real data of their field: every generated field of every API checked against a pattern or a list, over many seeds. */
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import {
  hashSeed,
  ORG_CATEGORIES,
  ORG_LEVELS,
  ORG_TYPES,
  REGION_CODES,
  shortSchoolName,
} from '../../src/answers/fake-data.js';
import { loadContract, testMock } from '../helpers/mock.js';

const contract = await loadContract();
type Rule = RegExp | readonly unknown[] | ((value: unknown, record: Record<string, unknown>) => boolean);
const DISTRICT = /^(.{2,3}(省|市))?(.{2,3}市)?.{1,4}(区|县)/;
const region = (v: unknown): boolean => typeof v === 'string' && REGION_CODES.has(v);
const epoch = /^1[4-7]\d{8}$/;
const SCHOOL = /^.{2,}(市|省).{1,4}(区|县).+(中学|小学|学校)$/;

/** One rule per field of the wuhan-eduyun Org record. */
const ORG: Record<string, Rule> = {
  org_id: /^org-seeded-\d+$/,
  platform_code: region,
  v_platform_code: region,
  org_name: SCHOOL,
  org_short_name: (v, r) =>
    v === shortSchoolName(r['org_name'] as string) &&
    [...(v as string)].every((c) => (r['org_name'] as string).includes(c)),
  org_type: ORG_TYPES,
  create_user_id: /^u-\d{5}$/,
  createtime: epoch,
  updatetime: (v, r) => typeof v === 'string' && epoch.test(v) && Number(v) >= Number(r['createtime']),
  province_code: (v) => region(v) && /0000$/.test(v as string),
  city_code: (v, r) => region(v) && (v as string).startsWith((r['province_code'] as string).slice(0, 2)),
  area_code: (v, r) => region(v) && (v as string).startsWith((r['city_code'] as string).slice(0, 4)),
  status: ['0', '1', '2', '3'],
  certification: ['0', '1'],
  flag: ['0', '1', '2'],
  org_coding: /^\d{6}$/,
  school_is_smart_campus: ['0', '1'],
  avatar: /^https:\/\/static\.example\.cn\/org\/[0-9a-f]{16}\.png$/,
  org_category: ORG_CATEGORIES.map(([c]) => c),
  org_category_title: (v, r) => ORG_CATEGORIES.some(([c, t]) => c === r['org_category'] && t === v),
  org_level: ORG_LEVELS,
  org_level_code: (v, r) => v === r['area_code'],
  org_parent_id: (v, r) => v === `edu-bureau-${String(r['area_code'])}`,
  org_address: (v) => typeof v === 'string' && DISTRICT.test(v) && /\d+号$/.test(v),
  org_identification_code: (v, r) =>
    typeof v === 'string' && /^31\d{8}$/.test(v) && v.slice(2, 4) === (r['province_code'] as string).slice(0, 2),
  level: ['0'],
  verify_mode: ['0'],
};

function broken(record: Record<string, unknown>, rules: Record<string, Rule>): string[] {
  return Object.entries(record).flatMap(([k, v]) => {
    const rule = rules[k];
    const ok = !rule
      ? false
      : rule instanceof RegExp
        ? typeof v === 'string' && rule.test(v)
        : Array.isArray(rule)
          ? rule.includes(v)
          : (rule as (v: unknown, r: Record<string, unknown>) => boolean)(v, record);
    return ok ? [] : [`${k}=${JSON.stringify(v)}`];
  });
}

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);

describe('wuhan-eduyun: an org seeded with only its org_id', () => {
  test('has a rule for every documented Org field', () => {
    const org = (
      contract.apis.get('wuhan-eduyun')!.spec.document['components'] as Record<
        string,
        Record<string, { properties: object }>
      >
    )['schemas']!['Org']!.properties;
    expect(Object.keys(ORG).sort()).toEqual(Object.keys(org).sort());
  });

  test.each(SEEDS)('seed %i: every field reads like real data', async (seed) => {
    const m = await testMock({ seed });
    const orgs = SEEDS.map((i) => ({ org_id: `org-seeded-${i}` }));
    expect((await request(m.listener).post('/__mock/state').send({ 'wuhan-eduyun': { orgs } })).status).toBe(201);
    for (const { org_id } of orgs.slice(0, 4)) {
      const res = await request(m.listener).get(
        `/user/openapi/org/get-org-info?org_id=${org_id}&access_token=demo-token`,
      );
      expect(res.body.code).toBe('000000');
      expect(broken(res.body.result, ORG)).toEqual([]);
    }
  });

  test('a short name is derived from the full name the caller gave', async () => {
    const m = await testMock();
    await request(m.listener)
      .post('/__mock/state')
      .send({
        'wuhan-eduyun': {
          orgs: [
            { org_id: 'o7', org_name: '武汉市第七中学' },
            { org_id: 'o8', org_name: '武汉市武昌区示范中学' },
          ],
        },
      });
    const short = async (id: string) =>
      (await request(m.listener).get(`/user/openapi/org/get-org-info?org_id=${id}&access_token=demo-token`)).body.result
        .org_short_name;
    expect([await short('o7'), await short('o8')]).toEqual(['武汉七中', '武昌示范']);
  });
});

describe('ios-datasyn and wx-push: records seeded with only their key', () => {
  test.each(SEEDS)('seed %i', async (seed) => {
    const m = await testMock({ seed });
    const seeded = await request(m.listener)
      .post('/__mock/state')
      .send({
        'ios-datasyn': { users: [{ loginName: 'u1' }, { loginName: 'u2' }] },
        'wx-push': { projects: [{ id: 1, url: 'http://127.0.0.1:9/hook' }] },
      });
    expect(seeded.status).toBe(201);
    const state = seeded.body.state.apis;
    for (const user of state['ios-datasyn'].users as Array<{ profile: Record<string, unknown> }>) {
      expect(
        broken(user.profile, {
          userId: (v) => Number.isInteger(v) && (v as number) >= 1000 && (v as number) <= 9999,
          loginName: /^u\d$/,
          realName: /^[\u4e00-\u9fa5]{2,3}$/,
          sex: [0, 1],
          school: SCHOOL,
          grade: /^[1-6]班$/,
          classNum: [1, 2, 3, 4, 5, 6],
          englishscore: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 200,
        }),
      ).toEqual([]);
    }
    for (const project of state['wx-push'].projects as Array<Record<string, unknown>>) {
      expect(
        broken(project, {
          id: [1],
          url: ['http://127.0.0.1:9/hook'],
          statu: [0],
          project: /^[\u4e00-\u9fa5\d]{2,8}(家校通知|成绩推送|考勤提醒|作业推送|校园公告)$/,
        }),
      ).toEqual([]);
    }
  });
});

describe('values the handlers make up', () => {
  test.each(SEEDS.slice(0, 5))(
    'seed %i: platform-sync tokens, ios-datasyn ids and tokens, wx-push ids',
    async (seed) => {
      const m = await testMock({ seed });
      const token = (
        await request(m.listener).post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' })
      ).body.data;
      expect(
        broken(token, {
          access_token: /^[A-Za-z0-9]{40}$/,
          expire: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
          expires_in: [7200],
        }),
      ).toEqual([]);
      const reg = await request(m.listener).post('/datasyn/user/register').type('form').send({
        loginName: 'a',
        password: 'p',
        realName: '张三',
        sex: 1,
        school: '武汉一中',
        grade: '3班',
        classNum: 3,
        englishscore: 120,
      });
      expect(broken(reg.body.data, { userId: (v) => Number.isInteger(v) && (v as number) > 0 })).toEqual([]);
      const login = await request(m.listener)
        .post('/datasyn/user/login')
        .type('form')
        .send({ loginName: 'a', password: 'p', synDevice: 'iPhone-7A1C2E4B' });
      expect(
        broken(login.body.data, {
          token: (v) => typeof v === 'string' && new RegExp(`^${reg.body.data.userId}:\\d{13}$`).test(v),
          synFlage: [1, 2, 3, 4, 5],
          message: (v, r) => v === m.contract.apis.get('ios-datasyn')!.dialect.text(`synFlag.${String(r['synFlage'])}`),
        }),
      ).toEqual([]);
      const added = await request(m.listener)
        .post('/wx/push/addPushProject')
        .type('form')
        .send({ url: 'http://127.0.0.1:9/h', project: 'p' });
      expect(
        broken(added.body.data, {
          id: (v) => Number.isSafeInteger(v) && (v as number) > 0,
          url: ['http://127.0.0.1:9/h'],
          project: ['p'],
          statu: [0],
        }),
      ).toEqual([]);
    },
  );
});

describe('seeds', () => {
  /** FNV-1a over the code points, as the seeds were first defined: a seed must never change (recorded data and tests depend on it). */
  const reference = (...parts: Array<string | number>): number => {
    let h = 0x811c9dc5;
    for (const ch of parts.join('\u0000')) {
      h ^= ch.codePointAt(0)!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  };

  test('a session seed is the same for every text: ASCII, Chinese, astral characters and lone surrogates', () => {
    const texts = ['', 'default', 'qa-会话-1', '学校𠀋名称', '\ud83d', 'a\udc00b', '😀😀', 'x'.repeat(300)];
    for (const t of texts) for (const n of [0, 1, 42]) expect(hashSeed(42, t, n)).toBe(reference(42, t, n));
    expect(hashSeed(42, 'default', 1)).toBe(4131989981);
  });
});
