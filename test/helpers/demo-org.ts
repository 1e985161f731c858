/** wuhan-eduyun's demo org, written out as the tests expect it. */
import type { JsonObject } from '../../src/contract/types.js';
import { DEMO_ORG_ID } from '../../src/apis/wuhan-eduyun/verify-flow.js';

/**
 * The org every session starts with, as specs/wuhan-eduyun.openapi.yaml's `x-mock-state.collections.orgs.seed`
 * declares it (the mock seeds it from there): the answer tests expect; test/apis/declared-builtins.test.ts fails
 * when the two differ.
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
