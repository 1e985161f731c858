/** ios-datasyn's verification flow as data: register, login, an upload that moves a table's version, the refusals on the way. */
import type { JsonObject } from '../../contract/types.js';
import { dataOf, defineFlow } from '../verify-flow.js';

interface Values {
  /** Unique to the run, so a run never meets an earlier run's user. */
  loginName: string;
  userId: number;
  token: string;
  /** Table (lower case) → its version after the upload. */
  versions: Map<string, number>;
}

const PASSWORD = 'verify-pw';
const DEVICE = 'cm-verify-A';
const TABLES = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
const metas = (version: (table: string) => number): JsonObject => ({
  tablemeta: TABLES.map((t) => ({ synTable: t, version: version(t), lastModTime: null })),
});
const profile = (v: Values): JsonObject => ({
  loginName: v.loginName,
  password: PASSWORD,
  realName: '验证用户',
  sex: 1,
  school: '验证学校',
  grade: '1班',
  classNum: 1,
  englishscore: 100,
});
const list = (value: unknown): JsonObject[] => (Array.isArray(value) ? (value as JsonObject[]) : []);

export const iosDatasynFlow = defineFlow<Values>({
  start: ({ run }) => ({ loginName: `cmverify${run}`, userId: 0, token: '', versions: new Map() }),
  steps: [
    {
      label: 'register',
      operationId: 'register',
      request: (v) => ({ body: profile(v) }),
      expect: '1',
      check: (a) => (Number.isInteger(dataOf(a)['userId']) ? undefined : 'data.userId is not an integer'),
      carry: (a) => ({ userId: Number(dataOf(a)['userId']) }),
    },
    { label: 'register again: 2000', operationId: 'register', request: (v) => ({ body: profile(v) }), expect: '2000' },
    {
      label: 'login',
      operationId: 'login',
      request: (v) => ({ body: { loginName: v.loginName, password: PASSWORD, synDevice: DEVICE } }),
      expect: '1',
      check: (a, v) =>
        String(dataOf(a)['token']).startsWith(`${v.userId}:`)
          ? undefined
          : `token ${String(dataOf(a)['token'])} does not start with the userId ${v.userId}`,
      carry: (a) => ({ token: String(dataOf(a)['token']) }),
    },
    {
      label: 'login with a wrong password: 2001',
      operationId: 'login',
      request: (v) => ({ body: { loginName: v.loginName, password: 'wrong', synDevice: DEVICE } }),
      expect: '2001',
    },
    {
      label: 'synmetas',
      operationId: 'synmetas',
      request: (v) => ({ body: { token: v.token, json: metas(() => 0) } }),
      expect: '1',
      check: (a) => (Array.isArray(dataOf(a)['downsyntable']) ? undefined : 'data.downsyntable is not a list'),
    },
    {
      label: 'syntabledata uploads usertest',
      operationId: 'syntabledata',
      request: (v) => {
        const row = {
          userTestId: 1,
          userId: v.userId,
          answertimes: 3,
          righttimes: 2,
          testinTime: '2017-03-25 15:58:23',
          testoutTime: '2017-03-25 17:18:07',
          testtype: 1,
          wrongtimes: 1,
          word: 'apple',
        };
        return {
          body: { token: v.token, json: { downSynTable: [{ synTable: 'usertest' }], tableData: { usertest: [row] } } },
        };
      },
      expect: '1',
      check: (a) =>
        Array.isArray(dataOf(a)['tableMeta']) && (dataOf(a)['tableMeta'] as unknown[]).length === 7
          ? undefined
          : 'data.tableMeta does not list the seven tables',
      carry: (a) => ({
        versions: new Map(
          list(dataOf(a)['tableMeta']).map((m) => [String(m['synTable']).toLowerCase(), Number(m['version'])]),
        ),
      }),
    },
    {
      label: 'synmetas shows the new usertest version',
      operationId: 'synmetas',
      request: (v) => ({
        body: { token: v.token, json: metas((t) => (t === 'usertest' ? 0 : (v.versions.get(t.toLowerCase()) ?? 0))) },
      }),
      expect: '1',
      check: (a) =>
        list(dataOf(a)['downsyntable']).some((d) => String(d['synTable']).toLowerCase() === 'usertest')
          ? undefined
          : 'usertest is not in downsyntable after the upload',
    },
    {
      label: 'trackdatas',
      operationId: 'trackdatas',
      request: (v) => ({
        body: {
          token: v.token,
          json: {
            trackData: {
              userLogin: [
                {
                  userLoginId: 1,
                  userId: v.userId,
                  loginState: 3,
                  loginTime: '2017-03-25 02:36:23',
                  logoutTime: '2017-03-26 03:32:23',
                },
              ],
            },
          },
        },
      }),
      expect: '1',
    },
    {
      label: 'a bad token: 4',
      operationId: 'synmetas',
      request: () => ({ body: { token: '0:0', json: metas(() => 0) } }),
      expect: '4',
    },
  ],
});
