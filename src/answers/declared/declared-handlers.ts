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

type TokenCheck = (ctx: HandlerContext) => Promise<JsonObject | undefined>;

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
  return async (ctx) => (await check(ctx)) ?? run(ctx);
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
  return async (ctx) => {
    const presented = read(ctx);
    const token =
      typeof presented === 'string' && presented !== ''
        ? await ctx.session.get<TokenRecord>(tokens.store, presented)
        : undefined;
    if (!token) return invalid(ctx);
    if (token.expiresAt !== undefined && expired(token, await ctx.session.now())) return invalid(ctx);
    return undefined;
  };
}

/** Where the operation's x-auth says its token is (a form body is `body`). */
export function presentedReader(op: Operation): FieldReader | undefined {
  if (!op.auth) return undefined;
  return fieldReader({ in: op.auth.in === 'query' ? 'query' : 'body', name: op.auth.name });
}
