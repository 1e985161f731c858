/**
 * ios-datasyn (iOS 同步请求 API, seeds/002): users, devices and per-table versions. Login computes
 * `synFlage` from the user's devices and sync history (state machine in the README); sync calls
 * compare and bump table versions; track data is stored. Always HTTP 200 with `meta.status`.
 */
import { presentedToken, type ApiModule, type Effect, type Handler, type HandlerContext } from '../api-module.js';
import type { JsonObject } from '../../contract/types.js';
import { iosDatasynFlow } from './verify-flow.js';
import { iosDatasynStates } from './pact-states.js';

const API = 'ios-datasyn';
const USERS = `${API}:users`;
const TOKENS = `${API}:tokens`;
const TABLES = `${API}:tables`;
const TRACKS = `${API}:tracks`;

/** The seven sync tables, spelled as the document's examples spell them (keys match case-insensitively). */
export const SYNC_TABLES = [
  'user',
  'Usercard',
  'Userlearningstyle',
  'usertestcount',
  'userresource',
  'userword',
  'usertest',
] as const;
export const TRACK_TABLES = ['userBehaviour', 'userLogin'] as const;
const canonical = (names: readonly string[], name: unknown): string | undefined =>
  typeof name === 'string' ? names.find((n) => n.toLowerCase() === name.toLowerCase()) : undefined;

/** Per device: clean (last session synced), dirty (logged in since the last sync), failed (its last sync failed). */
type DeviceState = 'clean' | 'dirty' | 'failed';

export interface IosUser {
  userId: number;
  loginName: string;
  password: string;
  profile: JsonObject;
  lastDevice: string | null;
  devices: Record<string, DeviceState>;
}

interface IosToken {
  token: string;
  userId: number;
  device: string;
  loginName: string;
}

interface TableState {
  synId: number;
  version: number;
  lastModTime: number;
  rows: JsonObject[];
}

type UserTables = Record<string, TableState>;

/**
 * synFlage for a login on `device` (document 2, 登录接口), first rule that holds:
 * 5 this device's last sync failed; 3 the last device (another one) failed its sync;
 * 2 the last device (another one) logged in without syncing; 4 this device logged in earlier
 * and never synced, and another device has been used since; 1 otherwise.
 */
export function synFlag(user: Pick<IosUser, 'lastDevice' | 'devices'>, device: string): 1 | 2 | 3 | 4 | 5 {
  const here = user.devices[device];
  const last = user.lastDevice;
  const other = last !== null && last !== device ? user.devices[last] : undefined;
  if (here === 'failed') return 5;
  if (other === 'failed') return 3;
  if (other === 'dirty') return 2;
  if (here === 'dirty' && last !== device) return 4;
  return 1;
}

async function userOf(ctx: HandlerContext): Promise<{ token: IosToken; user: IosUser } | undefined> {
  const token = await ctx.session.get<IosToken>(TOKENS, String(ctx.input.body?.['token']));
  if (!token) return undefined;
  const user = await ctx.session.get<IosUser>(USERS, token.loginName);
  return user ? { token, user } : undefined;
}

const tokenInvalid = (ctx: HandlerContext): JsonObject => ctx.dialect.error(ctx.dialect.role('unauthorized'));

const register: Handler = async (ctx) => {
  const body = ctx.input.body ?? {};
  const loginName = String(body['loginName']);
  if (await ctx.session.get(USERS, loginName)) return ctx.dialect.error('2000');
  const userId = await ctx.session.nextSeq(`${API}:userId`);
  const now = await ctx.session.now();
  const profile: JsonObject = {
    userId,
    loginName,
    realName: body['realName'],
    sex: body['sex'],
    school: body['school'],
    grade: body['grade'],
    classNum: body['classNum'],
    englishscore: body['englishscore'],
  };
  const user: IosUser = {
    userId,
    loginName,
    password: String(body['password']),
    profile,
    lastDevice: null,
    devices: {},
  };
  await ctx.session.put(USERS, loginName, user);
  // The server holds the user's own row from the start: a first sync on any device downloads it.
  const tables: UserTables = {};
  for (const name of SYNC_TABLES) {
    const synId = await ctx.session.nextSeq(`${API}:synId`);
    tables[name] =
      name === 'user'
        ? { synId, version: 1, lastModTime: now, rows: [profile] }
        : { synId, version: 0, lastModTime: now, rows: [] };
  }
  await ctx.session.put(TABLES, String(userId), tables);
  return ctx.dialect.success(ctx.op, { data: { userId } });
};

const login: Handler = async (ctx) => {
  const body = ctx.input.body ?? {};
  const user = await ctx.session.get<IosUser>(USERS, String(body['loginName']));
  if (!user || user.password !== String(body['password'])) return ctx.dialect.error(ctx.op.paramError);
  const device = String(body['synDevice']);
  const flag = synFlag(user, device);
  const now = await ctx.session.now();
  const token = `${user.userId}:${now}`;
  await ctx.session.put<IosToken>(TOKENS, token, { token, userId: user.userId, device, loginName: user.loginName });
  await ctx.session.put<IosUser>(USERS, user.loginName, {
    ...user,
    lastDevice: device,
    devices: { ...user.devices, [device]: 'dirty' },
  });
  return ctx.dialect.success(ctx.op, { data: { token, synFlage: flag, message: ctx.dialect.text(`synFlag.${flag}`) } });
};

const ignore: Handler = async (ctx) => {
  const who = await userOf(ctx);
  if (!who) return tokenInvalid(ctx);
  // 忽略同步提示: the user dismissed the warning, so no device is reported again.
  const devices = Object.fromEntries(Object.keys(who.user.devices).map((d) => [d, 'clean' as DeviceState]));
  await ctx.session.put<IosUser>(USERS, who.user.loginName, { ...who.user, devices });
  return ctx.dialect.success(ctx.op, { data: null });
};

async function tablesOf(ctx: HandlerContext, userId: number): Promise<UserTables> {
  return (await ctx.session.get<UserTables>(TABLES, String(userId))) ?? {};
}

const tableMeta = (tables: UserTables, userId: number): JsonObject[] =>
  SYNC_TABLES.map((name) => {
    const t = tables[name]!;
    return { lastModTime: t.lastModTime, synId: t.synId, synTable: name, userId, version: t.version };
  });

const synmetas: Handler = async (ctx) => {
  const who = await userOf(ctx);
  if (!who) return tokenInvalid(ctx);
  const json = ctx.input.body?.['json'] as { tablemeta: Array<{ synTable: string; version: number }> };
  const tables = await tablesOf(ctx, who.user.userId);
  const client = new Map<string, number>();
  for (const m of json.tablemeta) {
    const name = canonical(SYNC_TABLES, m.synTable);
    if (name) client.set(name, m.version);
  }
  const upsyntable: JsonObject[] = [];
  const downsyntable: JsonObject[] = [];
  for (const name of SYNC_TABLES) {
    const server = tables[name]!.version;
    const mine = client.get(name) ?? 0;
    if (mine > server) upsyntable.push({ synTable: name });
    else if (mine < server) downsyntable.push({ synTable: name });
  }
  return ctx.dialect.success(ctx.op, {
    data: { synTableCount: upsyntable.length + downsyntable.length, upsyntable, downsyntable },
  });
};

const syntabledata: Handler = async (ctx) => {
  const who = await userOf(ctx);
  if (!who) return tokenInvalid(ctx);
  const { user, token } = who;
  const json = ctx.input.body?.['json'] as {
    downSynTable: Array<{ synTable: string }>;
    tableData: Record<string, JsonObject[]>;
  };
  const tables = await tablesOf(ctx, user.userId);
  const uploads = Object.entries(json.tableData).map(([key, rows]) => [canonical(SYNC_TABLES, key)!, rows] as const);
  // 3000 数据同步失败, token值有误: rows that belong to another user than the token's.
  if (uploads.some(([, rows]) => rows.some((r) => r['userId'] !== user.userId))) {
    await ctx.session.put<IosUser>(USERS, user.loginName, {
      ...user,
      devices: { ...user.devices, [token.device]: 'failed' },
    });
    return ctx.dialect.error('3000');
  }
  const now = await ctx.session.now();
  for (const [name, rows] of uploads) {
    const t = tables[name]!;
    // An upload carries the client's whole table: it replaces the server's rows (see docs/decisions.md).
    tables[name] = { ...t, rows, version: t.version + 1, lastModTime: now };
  }
  await ctx.session.put(TABLES, String(user.userId), tables);
  await ctx.session.put<IosUser>(USERS, user.loginName, {
    ...user,
    devices: { ...user.devices, [token.device]: 'clean' },
  });
  const tableData: Record<string, JsonObject[]> = {};
  for (const { synTable } of json.downSynTable) {
    const name = canonical(SYNC_TABLES, synTable);
    if (name) tableData[name] = tables[name]!.rows;
  }
  return ctx.dialect.success(ctx.op, { data: { tableData, tableMeta: tableMeta(tables, user.userId) } });
};

const trackdatas: Handler = async (ctx) => {
  const who = await userOf(ctx);
  if (!who) return tokenInvalid(ctx);
  const json = ctx.input.body?.['json'] as { trackData: Record<string, JsonObject[]> };
  const key = String(who.user.userId);
  const stored = (await ctx.session.get<Record<string, JsonObject[]>>(TRACKS, key)) ?? {
    userBehaviour: [],
    userLogin: [],
  };
  for (const [k, rows] of Object.entries(json.trackData)) {
    const name = canonical(TRACK_TABLES, k);
    if (name) stored[name] = [...(stored[name] ?? []), ...rows];
  }
  await ctx.session.put(TRACKS, key, stored);
  return ctx.dialect.success(ctx.op, { data: null });
};

/**
 * Rewrites the device history of the user logging in, so the next login computes the wanted
 * synFlage from real state. Params: `lastDevice` (`other` | `current`) and `devices`
 * (`{ other: dirty|failed|clean, current: dirty|failed|clean }`); "other" is a device named `other-device`.
 */
const deviceHistory: Effect = async ({ input, session, params }) => {
  const user = await session.get<IosUser>(USERS, String(input.body?.['loginName']));
  if (!user) return;
  const current = String(input.body?.['synDevice']);
  const name = (d: unknown): string => (d === 'current' ? current : 'other-device');
  const devices: Record<string, DeviceState> = { ...user.devices };
  for (const [d, state] of Object.entries((params['devices'] ?? {}) as Record<string, DeviceState>))
    devices[name(d)] = state;
  const lastDevice = params['lastDevice'] === undefined ? user.lastDevice : name(params['lastDevice']);
  await session.put<IosUser>(USERS, user.loginName, { ...user, devices, lastDevice });
};

export const iosDatasyn: ApiModule = {
  api: API,
  handlers: { register, login, ignore, synmetas, syntabledata, trackdatas },
  collections: {
    users: {
      key: 'loginName',
      schema: 'RegisterForm',
      alsoStored: ['userId'],
      description:
        'registered users: { loginName, password, userId?, realName? ... } (other register fields generated)',
      complete: (partial, fake) => {
        const userId = Number(partial['userId'] ?? fake.int(1000, 9999));
        const loginName = String(partial['loginName']);
        const profile = {
          userId,
          loginName,
          realName: partial['realName'] ?? fake.personName(),
          sex: partial['sex'] ?? fake.int(0, 1),
          school: partial['school'] ?? fake.schoolName(),
          grade: partial['grade'] ?? `${fake.int(1, 6)}班`,
          classNum: partial['classNum'] ?? fake.int(1, 6),
          englishscore: partial['englishscore'] ?? fake.int(1, 200),
        };
        return {
          userId,
          loginName,
          password: String(partial['password'] ?? '123456'),
          profile,
          lastDevice: null,
          devices: {},
        };
      },
    },
    tokens: { key: 'token', description: 'login tokens: { token: "userId:millis", userId, device, loginName }' },
  },
  seed: () => ({}),
  verifyFlow: iosDatasynFlow,
  providerStates: iosDatasynStates,
  effects: {
    // ios-datasyn tokens carry no TTL: an expired one is one the server no longer knows (answers 4).
    'expire-token': async ({ op, input, session }) => {
      const presented = presentedToken(op, input);
      if (presented) await session.delete(TOKENS, presented);
    },
    'ios-device-history': deviceHistory,
    // The sync on this token's device fails, as a real 3000 does: the next login reports it (synFlage 3 or 5).
    'ios-sync-failed': async ({ op, input, session }) => {
      const presented = presentedToken(op, input);
      const token = presented ? await session.get<IosToken>(TOKENS, presented) : undefined;
      const user = token ? await session.get<IosUser>(USERS, token.loginName) : undefined;
      if (token && user)
        await session.put<IosUser>(USERS, user.loginName, {
          ...user,
          devices: { ...user.devices, [token.device]: 'failed' },
        });
    },
  },
};
