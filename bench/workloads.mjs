// The workloads of issue 7, shared by bench.mjs (over HTTP, against each target) and cpu.mjs (through the
// listener in process): (a) a token, (b) a stateful write with it, (c) an ios-datasyn form carrying JSON; and the
// facts of (d), (e), a public document nobody here wrote (petstore) served with `serve --spec`, for bench.mjs,
// http-ab.mjs, serve-profile.mjs and cpu.mjs.
import { join } from 'node:path';

export const TOKEN_BODY = JSON.stringify({ appid: 'demo-app', secret: 'demo-secret' });
export const JSON_TYPE = { 'content-type': 'application/json' };
export const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

/** The petstore document of (d), (e) in the checkout at `root`. */
export const petstoreFile = (root) =>
  join(root, 'node_modules', '@readme', 'oas-examples', '3.0', 'yaml', 'petstore-expanded.yaml');
export const PET_BODY = JSON.stringify({ name: 'Rex', tag: 'dog' });

/**
 * serve's flags for (d), (e): petstore with --spec and its caps lifted, so that every POST creates a pet for the
 * whole run. `budgets: false` leaves out the byte budgets' flags, for a build from before they existed.
 */
export function petstoreServeFlags(root, { budgets = true } = {}) {
  const caps = budgets ? ['--max-state-bytes', '100000000000', '--max-store-bytes', '100000000000'] : [];
  return ['--spec', petstoreFile(root), '--max-records', '100000000', ...caps, '--journal-per-session', '10000'];
}

/**
 * (b) and (c) each run in a session of their own: (a) issues a token per call, and platform-sync keeps the 100
 * newest of an app's tokens in a session, so in (a)'s session (b)'s token would be dropped within a second and (b)
 * would measure the 403 answer instead of the save. Prism ignores the header.
 */
export const B_SESSION = { 'x-mock-session': 'bench-b' };
export const C_SESSION = { 'x-mock-session': 'bench-c' };

/** Whether an answer of (a)-(c) is the success it is meant to measure (platform-sync's status 200, ios' meta.status 1). */
export const succeeded = (body) => body?.status === 200 || body?.meta?.status === 1;

/**
 * Prepares the workloads on one target. `send(path, headers, body)` POSTs and resolves with the parsed
 * answer (undefined when there is none); (b) and (c) need the target's own tokens first, in their sessions.
 */
export async function prepareWorkloads(send) {
  const token =
    (await send('/v1/channel/token', { ...JSON_TYPE, ...B_SESSION }, TOKEN_BODY))?.data?.access_token ?? 'ACCESS_TOKEN';
  await send(
    '/datasyn/user/register',
    { ...FORM_TYPE, ...C_SESSION },
    'loginName=bench&password=pw&realName=%E5%BC%A0%E4%B8%89&sex=1&school=s&grade=g&classNum=3&englishscore=100',
  );
  const login = await send(
    '/datasyn/user/login',
    { ...FORM_TYPE, ...C_SESSION },
    'loginName=bench&password=pw&synDevice=bench-1',
  );
  const iosToken = login?.data?.token ?? '21:1489385636029';
  const tables = ['user', 'Usercard', 'Userlearningstyle', 'usertestcount', 'userresource', 'usertest', 'userword'];
  const metas = JSON.stringify({
    tablemeta: tables.map((t) => ({ synId: 1, synTable: t, userId: 111, version: 0, lastModTime: null })),
  });
  return [
    { key: 'a', name: '(a) token', method: 'POST', path: '/v1/channel/token', headers: JSON_TYPE, body: TOKEN_BODY },
    {
      key: 'b',
      name: '(b) save school',
      method: 'POST',
      path: '/v1/abutment/syncSaveOrganMetadata',
      headers: { ...JSON_TYPE, ...B_SESSION },
      body: JSON.stringify({
        access_token: token,
        organName: '武汉市第一中学',
        organKind: 3,
        provinceName: '湖北省',
        cityName: '武汉市',
        areaName: '武昌区',
        otherId: 100,
      }),
    },
    {
      key: 'c',
      name: '(c) ios synmetas (form + json)',
      method: 'POST',
      path: '/datasyn/syn/synmetas',
      headers: { ...FORM_TYPE, ...C_SESSION },
      body: new URLSearchParams({ token: iosToken, json: metas }).toString(),
    },
  ];
}
