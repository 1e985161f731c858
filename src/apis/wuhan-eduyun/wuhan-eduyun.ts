/**
 * wuhan-eduyun (武汉教育云 学校详情, seeds/001): org details behind an access token passed as the `access_token`
 * query parameter, one failure code 100001 whose message names the cause. The token check, the org read, the demo
 * token and org are declared in specs/wuhan-eduyun.openapi.yaml (`x-mock-state`); this module keeps what a
 * declaration cannot say: the message of a parameter error by parameter, and an org's short name that follows the
 * full name a seed gives. No handler code; the demo org is the spec's seed.
 */
import type { ApiModule } from '../api-module.js';
import { joinPointer } from '../../contract/json-pointer.js';
import { wuhanEduyunFlow } from './verify-flow.js';
import { wuhanEduyunStates } from './pact-states.js';

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
