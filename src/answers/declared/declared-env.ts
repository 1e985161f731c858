/**
 * What compiling one API's declarations needs (its dialect, collections, store names) and the small pieces every
 * action shares: a catalogue code as a closure, the session clock without a needless await, a new token. Checks
 * each reference as it compiles it: a problem is noted with its pointer and the operation is not compiled.
 */
import { collectionName, type FakeValues, type HandlerContext } from '../../apis/api-module.js';
import type { Dialect, Role } from '../../contract/dialect.js';
import type { AuthDecl, CodeRef, CollectionDecl } from '../../contract/mock-state.js';
import type { ApiName, JsonObject, Operation } from '../../contract/types.js';

export interface DeclaredEnv {
  api: ApiName;
  dialect: Dialect;
  collections: Map<string, CollectionDecl>;
  auth?: AuthDecl;
  /** Problems found while compiling the current operation: `pointer: message`. */
  problems: string[];
}

/** A business error envelope, built per call (a body is the call's own). */
export type ErrorBody = (ctx: HandlerContext) => JsonObject;

/** A token record, as issued or seeded. */
export interface TokenRecord extends JsonObject {
  /** Epoch ms on the mock clock; absent: it never expires. */
  expiresAt?: number;
}

/** The declared collection `name`, noting a problem at `at` when it is not declared (or not a token collection when one is needed). */
export function collectionOf(
  env: DeclaredEnv,
  name: string,
  at: string,
  token = false,
): (CollectionDecl & { store: string }) | undefined {
  const decl = env.collections.get(name);
  if (!decl) {
    const known = [...env.collections.keys()].join(', ') || 'none';
    env.problems.push(`${at}: collection "${name}" is not declared in x-mock-state.collections (declared: ${known})`);
    return undefined;
  }
  if (token && !decl.token) {
    env.problems.push(`${at}: collection "${name}" is not a token collection (give it token: { ttl, length })`);
    return undefined;
  }
  return { ...decl, store: collectionName(env.api, name) };
}

/** A code as an envelope builder; a code not in the catalogue (or a text not in x-messages) is a problem. */
export function errorOf(env: DeclaredEnv, op: Operation, ref: CodeRef): ErrorBody {
  if (!env.dialect.entry(ref.key))
    env.problems.push(`${ref.at}: code "${ref.key}" is not in the x-error-catalog of ${env.api}`);
  const message = ref.message === undefined ? undefined : env.dialect.maybeText(ref.message);
  if (ref.message !== undefined && message === undefined)
    env.problems.push(`${ref.at}: x-messages has no text "${ref.message}"`);
  const opts = { op, message };
  return () => env.dialect.error(ref.key, opts);
}

/** The declared code, else the dialect's role. */
export function errorOrRole(env: DeclaredEnv, op: Operation, ref: CodeRef | undefined, role: Role): ErrorBody {
  if (ref) return errorOf(env, op, ref);
  const key = env.dialect.role(role);
  const opts = { op };
  return () => env.dialect.error(key, opts);
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new token of `length` letters and digits, drawn from the call's seeded fake data (one int a character). */
export function newToken(fake: FakeValues, length: number): string {
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) codes[i] = TOKEN_ALPHABET.charCodeAt(fake.int(0, TOKEN_ALPHABET.length - 1));
  return String.fromCharCode(...codes);
}

/** Whether a token record is past its expiry at `now`. */
export const expired = (token: TokenRecord, now: number): boolean =>
  typeof token.expiresAt === 'number' && token.expiresAt <= now;
