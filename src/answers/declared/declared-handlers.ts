/**
 * An operation's declarations as one Handler, built once at start: the document's token check (every operation
 * with x-auth, unless `auth: false`), then the first branch whose `when` field the request carries. Owns the
 * token check and the choice of branch; what each action does is declared-actions.ts.
 */
import type { Handler, HandlerContext } from '../../apis/api-module.js';
import type { OperationState } from '../../contract/mock-state.js';
import type { JsonObject, Operation } from '../../contract/types.js';
import { FakeData } from '../fake-data.js';
import { successAnswer } from '../examples.js';
import { compileBranch, type BranchBody } from './declared-actions.js';
import { collectionOf, errorOrRole, expired, type DeclaredEnv, type TokenRecord } from './declared-env.js';
import { fieldReader, type FieldReader } from './field-reader.js';

/** The refusal of a call whose token does not hold, else undefined: at once when the session answers at once. */
type TokenCheck = (ctx: HandlerContext) => JsonObject | undefined | Promise<JsonObject | undefined>;

/** The operation's handler, or undefined with problems noted in env (the operation then answers its example). */
export function declaredHandler(env: DeclaredEnv, op: Operation, state: OperationState): Handler | undefined {
  const before = env.problems.length;
  const branches = state.branches.map((b) => ({
    when: b.when && fieldReader(b.when),
    run: compileBranch(env, op, b),
  }));
  const check = state.branches.every((b) => b.auth) ? tokenCheck(env, op) : undefined;
  if (env.problems.length !== before) return undefined;
  const run = chooser(op, branches as Array<{ when?: FieldReader; run: BranchBody }>);
  if (!check) return run;
  return (ctx) => {
    const refused = check(ctx);
    if (refused instanceof Promise) return refused.then((r) => r ?? run(ctx));
    return refused ? Promise.resolve(refused) : run(ctx);
  };
}

/** The one branch, or the first whose `when` field is present; none present: the operation's documented answer. */
function chooser(op: Operation, branches: Array<{ when?: FieldReader; run: BranchBody }>): BranchBody {
  if (branches.length === 1 && !branches[0]!.when) return branches[0]!.run;
  return (ctx) => {
    for (const b of branches) if (!b.when || b.when(ctx) !== undefined) return b.run(ctx);
    // The declarations cover no case of this request: the document's own example answers, as if none were declared.
    const fake = ctx.fake instanceof FakeData ? ctx.fake : new FakeData(1);
    return Promise.resolve((successAnswer(op, fake).body ?? {}) as JsonObject);
  };
}

/**
 * The document's `auth` check for an operation with x-auth: the token it presents must be a record of the auth
 * collection not past its `expiresAt` on the session's clock, else `auth.invalid` (default: the dialect's
 * unauthorized role). No x-auth, or no document `auth`: no check.
 */
function tokenCheck(env: DeclaredEnv, op: Operation): TokenCheck | undefined {
  const auth = env.auth;
  if (!op.auth || !auth) return undefined;
  const tokens = collectionOf(env, auth.collection, `${auth.at}/collection`, true);
  const invalid = errorOrRole(env, op, auth.invalid, 'unauthorized');
  if (!tokens) return undefined;
  const read = presentedReader(op)!;
  const store = tokens.store;
  /** An expiring token's verdict at `now` on the session's clock: the refusal, or undefined while it holds. */
  const verdict = (ctx: HandlerContext, token: TokenRecord, now: number): JsonObject | undefined =>
    expired(token, now) ? invalid(ctx) : undefined;
  /** The check on any store: the token read, then the clock only when the token can expire. */
  const awaited = async (ctx: HandlerContext, presented: string): Promise<JsonObject | undefined> => {
    const token = await ctx.session.get<TokenRecord>(store, presented);
    if (!token) return invalid(ctx);
    return token.expiresAt === undefined ? undefined : verdict(ctx, token, await ctx.session.now());
  };
  return (ctx) => {
    const presented = read(ctx);
    if (typeof presented !== 'string' || presented === '') return invalid(ctx);
    const sync = ctx.session.sync;
    if (!sync) return awaited(ctx, presented);
    // A session in this process: no promise at all, unless its clock is one.
    const token = sync.get<TokenRecord>(store, presented);
    if (!token) return invalid(ctx);
    if (token.expiresAt === undefined) return undefined;
    const clock = ctx.session.now();
    return typeof clock === 'number' ? verdict(ctx, token, clock) : clock.then((now) => verdict(ctx, token, now));
  };
}

/** Where the operation's x-auth says its token is (a form body is `body`). */
export function presentedReader(op: Operation): FieldReader | undefined {
  if (!op.auth) return undefined;
  return fieldReader({ in: op.auth.in === 'query' ? 'query' : 'body', name: op.auth.name });
}
