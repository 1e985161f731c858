/**
 * wx-push (微校推送服务, seeds/003): push projects, and the `receive` endpoint that forwards each 微校 event to every
 * active push project's url. Listing, updating and deleting projects are declared in specs/wx-push.openapi.yaml
 * (`x-mock-state`); this module keeps what a declaration cannot say: ids the mock assigns on add (and its
 * url + project duplicate check), the deliveries of receive, and a seeded project's generated name.
 */
import type { ApiModule, Handler } from '../api-module.js';
import type { JsonObject } from '../../contract/types.js';
import { wxPushFlow } from './verify-flow.js';
import { wxPushStates } from './pact-states.js';

const API = 'wx-push';
const PROJECTS = `${API}:projects`;

export interface PushProject {
  /** int64: a BigInt when beyond 2^53 (seeded or sent), so it keeps every digit. */
  id: number | bigint;
  url: string;
  project: string;
  /** 0 有效 (active), 1 无效 */
  statu: 0 | 1;
}

const byId = (a: PushProject, b: PushProject): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const addPushProject: Handler = async (ctx) => {
  const body = ctx.input.body ?? {};
  const url = String(body['url']);
  const project = String(body['project']);
  const all = await ctx.session.list<PushProject>(PROJECTS);
  if (all.some((p) => p.url === url && p.project === project)) return ctx.dialect.error('16000:exists');
  let id = await ctx.session.nextSeq(`${API}:id`);
  // Projects seeded through /__mock/state may hold ids the counter has not reached yet.
  while (all.some((p) => p.id === id)) id = await ctx.session.nextSeq(`${API}:id`);
  const saved: PushProject = { id, url, project, statu: 0 };
  await ctx.session.put(PROJECTS, String(saved.id), saved);
  return ctx.dialect.success(ctx.op, { data: saved });
};

const receive: Handler = async (ctx) => {
  const event: JsonObject = { ...ctx.input.body };
  const active = (await ctx.session.list<PushProject>(PROJECTS)).filter((p) => p.statu === 0).sort(byId);
  // Deliveries run after the answer and never fail it (issue 3): 微校 only learns that we received.
  const failure = ctx.flags['fail-deliveries'] as string | undefined;
  for (const p of active) ctx.deliver({ url: p.url, body: event, ...(failure && { simulatedFailure: failure }) });
  return ctx.dialect.success(ctx.op);
};

export const wxPush: ApiModule = {
  api: API,
  handlers: { addPushProject, receive },
  collections: {},
  collectionCode: {
    projects: {
      complete: (partial, fake) => ({
        statu: 0,
        project: fake.pushProjectName(),
        ...partial,
        id: typeof partial['id'] === 'bigint' ? partial['id'] : Number(partial['id']),
      }),
    },
  },
  seed: () => ({}),
  verifyFlow: wxPushFlow,
  providerStates: wxPushStates,
  effects: {
    // The push targets are down: receive still answers success, every delivery is recorded as failed.
    'fail-deliveries': async ({ flags, params }) => {
      flags['fail-deliveries'] =
        typeof params['error'] === 'string' ? params['error'] : 'connect ECONNREFUSED (simulated by scenario)';
    },
  },
};
