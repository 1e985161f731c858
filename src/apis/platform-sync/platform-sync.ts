/**
 * platform-sync (平台基础数据同步接口, seeds/000): tokens that expire and renew, and schools,
 * classes and users as real records with the documented upsert and delete semantics.
 */
import { presentedToken, type ApiModule, type Effect, type Handler, type HandlerContext } from '../api-module.js';
import type { JsonObject } from '../../contract/types.js';
import { formatDateTime } from '../../contract/format-time.js';
import { DEMO_APP, platformSyncFlow } from './verify-flow.js';
import { platformSyncStates } from './pact-states.js';

const API = 'platform-sync';
const APPS = `${API}:apps`;
const TOKENS = `${API}:tokens`;
const SCHOOLS = `${API}:schools`;
const CLASSES = `${API}:classes`;
const USERS = `${API}:users`;

/** 1.1: a new token lives 7200 s (the document's `expires_in`); 1.2: renewal extends it by 24 h. */
export const TOKEN_TTL_SECONDS = 7200;
export const RENEW_TTL_SECONDS = 24 * 3600;
/** Live tokens kept per app and session; asking for more drops the oldest (docs/decisions.md: bounded memory under load). */
export const MAX_TOKENS_PER_APP = 100;
const APP_TOKENS = `${API}:app-tokens`;

export interface PlatformToken {
  access_token: string;
  appid: string;
  expiresAt: number;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newToken(ctx: HandlerContext): string {
  const codes = new Array<number>(40);
  for (let i = 0; i < 40; i++) codes[i] = TOKEN_ALPHABET.charCodeAt(ctx.fake.int(0, TOKEN_ALPHABET.length - 1));
  return String.fromCharCode(...codes);
}

function tokenData(token: PlatformToken, ttl: number): JsonObject {
  return { access_token: token.access_token, expire: formatDateTime(token.expiresAt), expires_in: ttl };
}

/** Resolves the body's access_token to a live token, or answers the 403 envelope. */
async function authorise(ctx: HandlerContext): Promise<JsonObject | undefined> {
  const presented = String(ctx.input.body?.['access_token'] ?? '');
  const token = await ctx.session.get<PlatformToken>(TOKENS, presented);
  if (!token || token.expiresAt <= (await ctx.session.now()))
    return ctx.dialect.error(ctx.dialect.role('unauthorized'));
  return undefined;
}

const channelToken: Handler = async (ctx) => {
  const body = ctx.input.body ?? {};
  const now = await ctx.session.now();
  if ('access_token' in body) {
    // 1.2 续租: the document's two examples show the same token with a later expire.
    const token = await ctx.session.get<PlatformToken>(TOKENS, String(body['access_token']));
    if (!token || token.expiresAt <= now) return ctx.dialect.error('40001');
    const renewed = { ...token, expiresAt: now + RENEW_TTL_SECONDS * 1000 };
    await ctx.session.put(TOKENS, renewed.access_token, renewed);
    return ctx.dialect.success(ctx.op, { data: tokenData(renewed, RENEW_TTL_SECONDS) });
  }
  const app = await ctx.session.get<{ appid: string; secret: string }>(APPS, String(body['appid']));
  if (!app || app.secret !== body['secret']) return ctx.dialect.error('40001');
  const token: PlatformToken = {
    access_token: newToken(ctx),
    appid: app.appid,
    expiresAt: now + TOKEN_TTL_SECONDS * 1000,
  };
  await ctx.session.put(TOKENS, token.access_token, token);
  // The app's list is updated in place and put back (a store logs the put): copying 100 tokens on every
  // call was the largest allocation of a token request.
  const issued = (await ctx.session.get<string[]>(APP_TOKENS, app.appid)) ?? [];
  issued.push(token.access_token);
  while (issued.length > MAX_TOKENS_PER_APP) await ctx.session.delete(TOKENS, issued.shift()!);
  await ctx.session.put(APP_TOKENS, app.appid, issued);
  return ctx.dialect.success(ctx.op, { data: tokenData(token, TOKEN_TTL_SECONDS) });
};

const saveSchool: Handler = async (ctx) => {
  const denied = await authorise(ctx);
  if (denied) return denied;
  const school = { ...ctx.input.body };
  await ctx.session.put(SCHOOLS, String(school['otherId']), school);
  return ctx.dialect.success(ctx.op, { data: school });
};

const saveClass: Handler = async (ctx) => {
  const denied = await authorise(ctx);
  if (denied) return denied;
  const cls = { ...ctx.input.body };
  if (!(await ctx.session.get(SCHOOLS, String(cls['otherSchoolId'])))) return ctx.dialect.error('40410');
  await ctx.session.put(CLASSES, String(cls['otherId']), cls);
  return ctx.dialect.success(ctx.op, { data: cls });
};

const saveUser: Handler = async (ctx) => {
  const denied = await authorise(ctx);
  if (denied) return denied;
  const input = { ...ctx.input.body };
  const key = String(input['uid']);
  const existing = await ctx.session.get<JsonObject>(USERS, key);
  if (input['otherSchoolId'] !== undefined && !(await ctx.session.get(SCHOOLS, String(input['otherSchoolId'])))) {
    return ctx.dialect.error('40410');
  }
  if (input['otherClassId'] !== undefined && !(await ctx.session.get(CLASSES, String(input['otherClassId'])))) {
    return ctx.dialect.error('40420');
  }
  // event=new or not, a save is an upsert keyed by uid (spec Decisions); unsent fields keep their values.
  const user: JsonObject = { type: 2, ...existing, ...input };
  await ctx.session.put(USERS, key, user);
  return ctx.dialect.success(ctx.op, { data: user });
};

function deleter(collection: string, param: string, missing: string): Handler {
  return async (ctx) => {
    const denied = await authorise(ctx);
    if (denied) return denied;
    const removed = await ctx.session.delete(collection, String(ctx.input.params[param]));
    if (!removed) return ctx.dialect.error(missing);
    return ctx.dialect.success(ctx.op, { message: 'Delete success' });
  };
}

/** Expires the presented token as if its TTL had passed: the handler then answers 403 (or 40001 on renewal) from real state. */
const expireToken: Effect = async ({ op, input, session }) => {
  const presented =
    presentedToken(op, input) ??
    (typeof input.body?.['access_token'] === 'string' ? (input.body['access_token'] as string) : undefined);
  const token = presented ? await session.get<PlatformToken>(TOKENS, presented) : undefined;
  if (token) await session.put(TOKENS, token.access_token, { ...token, expiresAt: await session.now() });
};

export const platformSync: ApiModule = {
  api: API,
  handlers: {
    channelToken,
    syncSaveOrganMetadata: saveSchool,
    syncSaveClassMetadata: saveClass,
    syncSaveUserMetadata: saveUser,
    syncDeleteOrganMetadata: deleter(SCHOOLS, 'otherId', '40410'),
    syncDeleteClassMetadata: deleter(CLASSES, 'otherId', '40420'),
    syncDeleteUserMetadata: deleter(USERS, 'uid', '40430'),
  },
  collections: {
    apps: {
      key: 'appid',
      schema: 'GetTokenRequest',
      description: 'third-party platforms that may ask for a token: { appid, secret }',
    },
    tokens: {
      key: 'access_token',
      description:
        'issued tokens: { access_token, appid, ttlSeconds? } (ttlSeconds sets expiresAt from the session clock)',
      complete: (partial, _fake, { now }) => ({
        appid: DEMO_APP.appid,
        ...partial,
        expiresAt:
          typeof partial['expiresAt'] === 'number'
            ? partial['expiresAt']
            : now + Number(partial['ttlSeconds'] ?? TOKEN_TTL_SECONDS) * 1000,
      }),
    },
    schools: {
      key: 'otherId',
      schema: 'SaveSchoolRequest',
      notStored: ['access_token'],
      description: 'saved schools (syncSaveOrganMetadata bodies)',
    },
    classes: {
      key: 'otherId',
      schema: 'SaveClassRequest',
      notStored: ['access_token'],
      description: 'saved classes (syncSaveClassMetadata bodies)',
    },
    users: {
      key: 'uid',
      schema: 'SaveUserRequest',
      notStored: ['access_token'],
      description: 'saved users (syncSaveUserMetadata bodies)',
    },
  },
  seed: () => ({ [APPS]: { [DEMO_APP.appid]: { ...DEMO_APP } } }),
  verifyFlow: platformSyncFlow,
  providerStates: platformSyncStates,
  effects: { 'expire-token': expireToken },
};
