/**
 * wuhan-eduyun (武汉教育云 学校详情, seeds/001): org details behind an access token passed as the
 * `access_token` query parameter. One failure code, 100001, whose message names the cause.
 */
import { presentedToken, type ApiModule, type Handler } from '../api-module.js';
import type { JsonObject } from '../../contract/types.js';
import { joinPointer } from '../../contract/json-pointer.js';
import { DEMO_ORG_ID, DEMO_TOKEN, wuhanEduyunFlow } from './verify-flow.js';
import { wuhanEduyunStates } from './pact-states.js';

const API = 'wuhan-eduyun';
const TOKENS = `${API}:tokens`;
const ORGS = `${API}:orgs`;

interface WuhanToken {
  access_token: string;
  /** Epoch ms; absent = never expires (the seeded demo-token). */
  expiresAt?: number;
}

/** The seeded org: every documented field, with a real Wuhan address and codes. */
export const DEMO_ORG: JsonObject = {
  org_id: DEMO_ORG_ID,
  platform_code: '420100',
  v_platform_code: '420100',
  org_name: '武汉市武昌区示范中学',
  org_short_name: '武昌示范',
  org_type: '2',
  create_user_id: 'u-10001',
  createtime: '1554795635',
  updatetime: '1555126603',
  province_code: '420000',
  city_code: '420100',
  area_code: '420106',
  status: '1',
  certification: '1',
  flag: '0',
  org_coding: 'WCSF01',
  school_is_smart_campus: '1',
  avatar: 'https://static.example.cn/org/demo-org.png',
  org_category: 2,
  org_category_title: '九年一贯',
  org_level: '3',
  org_level_code: '420106',
  org_parent_id: 'edu-bureau-420106',
  org_address: '湖北省武汉市武昌区中南路 99 号',
  org_identification_code: '3142000001',
  level: '0',
  verify_mode: '0',
};

const getOrgInfo: Handler = async (ctx) => {
  const { dialect, session, input } = ctx;
  const token = await session.get<WuhanToken>(TOKENS, String(input.query['access_token']));
  if (!token || (token.expiresAt !== undefined && token.expiresAt <= (await session.now()))) {
    return dialect.error(dialect.role('unauthorized'), { message: dialect.text('tokenInvalid') });
  }
  const org = await session.get<JsonObject>(ORGS, String(input.query['org_id']));
  if (!org) return dialect.error(dialect.role('invalidRequest'), { message: dialect.text('orgNotFound') });
  return dialect.success(ctx.op, { data: org, message: dialect.entry('000000')?.message ?? 'success' });
};

export const wuhanEduyun: ApiModule = {
  api: API,
  handlers: { getOrgInfo },
  collections: {
    tokens: {
      key: 'access_token',
      description: 'access tokens: { access_token, ttlSeconds? } (no ttlSeconds = never expires)',
      complete: (partial, _fake, { now }) =>
        partial['ttlSeconds'] === undefined
          ? { ...partial }
          : { ...partial, expiresAt: now + Number(partial['ttlSeconds']) * 1000 },
    },
    orgs: {
      key: 'org_id',
      schema: 'Org',
      description:
        'orgs: { org_id, ...any documented field }; fields left out are generated (Chinese school name, real region codes)',
      complete: (partial, fake, { generate }) => {
        const org = { ...generate('Org'), ...partial };
        // A short name follows the full name the caller gave (武汉市第七中学 → 武汉七中), not the generated one.
        if (partial['org_short_name'] === undefined && typeof org['org_name'] === 'string')
          org['org_short_name'] = fake.shortSchoolName(org['org_name']);
        return org;
      },
    },
  },
  seed: () => ({
    [TOKENS]: { [DEMO_TOKEN]: { access_token: DEMO_TOKEN } },
    [ORGS]: { [DEMO_ORG_ID]: DEMO_ORG },
  }),
  verifyFlow: wuhanEduyunFlow,
  providerStates: wuhanEduyunStates,
  effects: {
    // As if the token's TTL had passed, in this session only (reset brings demo-token back).
    'expire-token': async ({ op, input, session }) => {
      const presented = presentedToken(op, input);
      const token = presented ? await session.get<WuhanToken>(TOKENS, presented) : undefined;
      if (token) await session.put(TOKENS, token.access_token, { ...token, expiresAt: await session.now() });
    },
  },
  violationMessage(violations, dialect) {
    const about = (name: string): boolean => violations.some((v) => v.pointer === '/query' + joinPointer(name));
    if (about('access_token')) return dialect.text('tokenMissing');
    if (about('org_id')) return dialect.text('orgIdMissing');
    return dialect.text('invalidRequest');
  },
};
