/**
 * wuhan-eduyun (武汉教育云 学校详情, seeds/001): org details behind an access token passed as the `access_token`
 * query parameter, one failure code 100001 whose message names the cause. The token check, the org read, the demo
 * token and org are declared in specs/wuhan-eduyun.openapi.yaml (`x-mock-state`); this module keeps what a
 * declaration cannot say: the message of a parameter error by parameter, and an org's short name that follows the
 * full name a seed gives. No handler code.
 */
import type { ApiModule } from '../api-module.js';
import type { JsonObject } from '../../contract/types.js';
import { joinPointer } from '../../contract/json-pointer.js';
import { DEMO_ORG_ID, wuhanEduyunFlow } from './verify-flow.js';
import { wuhanEduyunStates } from './pact-states.js';

/**
 * The org every session starts with, as the spec's `x-mock-state.collections.orgs.seed` declares it (the mock seeds
 * it from there): kept here for the tests and tools that compare an answer with it; test/apis/declared-builtins.test.ts
 * fails when the two differ.
 */
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

export const wuhanEduyun: ApiModule = {
  api: 'wuhan-eduyun',
  handlers: {},
  collections: {},
  seed: () => ({}),
  collectionCode: {
    orgs: {
      complete: (partial, fake, { generate }) => {
        const org = { ...generate('Org'), ...partial };
        // A short name follows the full name the caller gave (武汉市第七中学 → 武汉七中), not the generated one.
        if (partial['org_short_name'] === undefined && typeof org['org_name'] === 'string')
          org['org_short_name'] = fake.shortSchoolName(org['org_name']);
        return org;
      },
    },
  },
  verifyFlow: wuhanEduyunFlow,
  providerStates: wuhanEduyunStates,
  violationMessage(violations, dialect) {
    const about = (name: string): boolean => violations.some((v) => v.pointer === '/query' + joinPointer(name));
    if (about('access_token')) return dialect.text('tokenMissing');
    if (about('org_id')) return dialect.text('orgIdMissing');
    return dialect.text('invalidRequest');
  },
};
