/** platform-sync's verification flow as data: a token, a school, class and user saved and deleted, the refusals on the way. */
import type { JsonObject } from '../../contract/types.js';
import { dataOf, defineFlow } from '../verify-flow.js';

/** The app every session starts with (platform-sync.ts seeds it): what verify signs in with unless told otherwise (--appid, --secret). */
export const DEMO_APP = { appid: 'demo-app', secret: 'demo-secret' } as const;

interface Values {
  /** otherId / uid of every record the flow saves: unique to the run, in the 9-digit range the document's examples use. */
  id: number;
  appid: string;
  secret: string;
  /** The token the first step was issued. */
  token: string;
}

const school = (v: Values): JsonObject => ({
  access_token: v.token,
  organName: 'contract-mock 验证学校',
  organKind: 2,
  provinceName: '湖北省',
  cityName: '武汉市',
  areaName: '武昌区',
  otherId: v.id,
});
const klass = (v: Values, id: number): JsonObject => ({
  access_token: v.token,
  className: '验证班',
  gradeName: '2018级',
  otherSchoolId: id,
  otherId: id,
});
const token = (v: Values): JsonObject => ({ access_token: v.token });

export const platformSyncFlow = defineFlow<Values>({
  credentials: { appid: DEMO_APP.appid, secret: DEMO_APP.secret },
  secrets: ['secret'],
  start: ({ run, credentials }) => ({
    id: 700_000_000 + (Number.parseInt(run.slice(-6), 36) % 100_000_000),
    appid: credentials['appid'] ?? '',
    secret: credentials['secret'] ?? '',
    token: '',
  }),
  steps: [
    {
      label: 'get a token',
      operationId: 'channelToken',
      request: (v) => ({ body: { appid: v.appid, secret: v.secret } }),
      expect: '200',
      check: (a) => (typeof dataOf(a)['access_token'] === 'string' ? undefined : 'data.access_token is missing'),
      carry: (a) => ({ token: String(dataOf(a)['access_token'] ?? '') }),
    },
    {
      label: 'save a school',
      operationId: 'syncSaveOrganMetadata',
      request: (v) => ({ body: school(v) }),
      expect: '200',
      check: (a, v) =>
        dataOf(a)['otherId'] === v.id ? undefined : `data.otherId is ${String(dataOf(a)['otherId'])}, expected ${v.id}`,
    },
    {
      label: 'save a class in it',
      operationId: 'syncSaveClassMetadata',
      request: (v) => ({ body: klass(v, v.id) }),
      expect: '200',
    },
    {
      label: 'save a user in the class',
      operationId: 'syncSaveUserMetadata',
      request: (v) => ({
        body: {
          access_token: v.token,
          uid: v.id,
          username: '验证用户',
          type: 1,
          sex: 0,
          otherSchoolId: v.id,
          otherClassId: v.id,
        },
      }),
      expect: '200',
      check: (a, v) => (dataOf(a)['uid'] === v.id ? undefined : 'data.uid is not the saved uid'),
    },
    {
      label: 'delete the user',
      operationId: 'syncDeleteUserMetadata',
      request: (v) => ({ path: { uid: v.id }, body: token(v) }),
      expect: '200',
    },
    {
      label: 'delete the user again: 40430',
      operationId: 'syncDeleteUserMetadata',
      request: (v) => ({ path: { uid: v.id }, body: token(v) }),
      expect: '40430',
    },
    {
      label: 'save a class in a school that does not exist: 40410',
      operationId: 'syncSaveClassMetadata',
      request: (v) => ({ body: klass(v, v.id + 1) }),
      expect: '40410',
    },
    {
      label: 'delete the class',
      operationId: 'syncDeleteClassMetadata',
      request: (v) => ({ path: { otherId: v.id }, body: token(v) }),
      expect: '200',
    },
    {
      label: 'delete the school',
      operationId: 'syncDeleteOrganMetadata',
      request: (v) => ({ path: { otherId: v.id }, body: token(v) }),
      expect: '200',
    },
    {
      label: 'delete the school again: 40410',
      operationId: 'syncDeleteOrganMetadata',
      request: (v) => ({ path: { otherId: v.id }, body: token(v) }),
      expect: '40410',
    },
    {
      label: 'renew the token',
      operationId: 'channelToken',
      request: (v) => ({ body: token(v) }),
      expect: '200',
      check: (a, v) => (dataOf(a)['access_token'] === v.token ? undefined : 'renewal answered another token'),
    },
    {
      label: 'a wrong secret: 40001',
      operationId: 'channelToken',
      request: (v) => ({ body: { appid: v.appid, secret: `${v.secret}-wrong` } }),
      expect: '40001',
    },
    {
      label: 'an unknown token: 403',
      operationId: 'syncSaveOrganMetadata',
      request: (v) => ({ body: { ...school(v), access_token: 'contract-mock-unknown-token' } }),
      expect: '403',
    },
  ],
});
