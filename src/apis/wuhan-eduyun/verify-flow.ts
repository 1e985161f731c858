/** wuhan-eduyun's verification flow as data: the org the token can read, then a wrong token and an unknown org. */
import { defineFlow } from '../verify-flow.js';

/** The token and org every session starts with (wuhan-eduyun.ts seeds them): verify's defaults (--wuhan-token, --org-id). */
export const DEMO_TOKEN = 'demo-token';
export const DEMO_ORG_ID = 'demo-org';

interface Values {
  run: string;
  token: string;
  orgId: string;
}

export const wuhanEduyunFlow = defineFlow<Values>({
  credentials: { wuhanToken: DEMO_TOKEN, orgId: DEMO_ORG_ID },
  secrets: ['wuhanToken'],
  start: ({ run, credentials }) => ({ run, token: credentials['wuhanToken'] ?? '', orgId: credentials['orgId'] ?? '' }),
  steps: [
    {
      label: 'org info',
      operationId: 'getOrgInfo',
      request: (v) => ({ query: { org_id: v.orgId, access_token: v.token } }),
      expect: '000000',
      check: (a, v) => {
        const result = a['result'];
        return result && typeof result === 'object' && (result as Record<string, unknown>)['org_id'] === v.orgId
          ? undefined
          : `result.org_id is not ${v.orgId}`;
      },
    },
    {
      label: 'a wrong token: 100001',
      operationId: 'getOrgInfo',
      request: (v) => ({ query: { org_id: v.orgId, access_token: `${v.token}-wrong` } }),
      expect: '100001',
    },
    {
      label: 'an unknown org: 100001',
      operationId: 'getOrgInfo',
      request: (v) => ({ query: { org_id: `contract-mock-unknown-${v.run}`, access_token: v.token } }),
      expect: '100001',
    },
  ],
});
