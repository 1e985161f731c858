/**
 * The token part of a derived verify flow: the `issue` step that signs in with the credential collection's seed
 * (or the run's `<api>.<field>` credentials) and carries the token on, and the two refusals, an unknown token and
 * a wrong credential. Knows nothing of the record steps (derive-flow.ts).
 */
import type { ApiContract } from '../contract/compile-contract.js';
import { getPath } from '../contract/json-pointer.js';
import type { CollectionDecl, DocumentState, FieldRef } from '../contract/mock-state.js';
import type { JsonObject } from '../contract/types.js';
import type { Credentials } from '../apis/verify-flow.js';
import type { RequestParts } from './build-requests.js';
import {
  dataPath,
  requestOf,
  setField,
  templatePath,
  unsetField,
  type Step,
  type Use,
  type Values,
} from './derived-parts.js';

export interface TokenSteps {
  issue: Step[];
  /** The token renewed, when a renew branch works on the token collection. */
  renew: Step[];
  /** An unknown token on the given write, then a wrong credential on the issue (each when declared). */
  refusals(write: Use, request: (v: Values) => RequestParts): Step[];
  credentials: Credentials;
  secrets: string[];
  /** A token the token collection is seeded with: used when nothing issues one. */
  seeded?: string;
}

const UNKNOWN_TOKEN = 'contract-mock-unknown-token';

/** How the flow signs in: the issue branch, its credential fields and the request that presents them. */
interface SignIn {
  issue: Use;
  /** Credential field → the run's credential name (`<api>.<field>`). */
  name(field: string): string;
  matched: FieldRef[];
  request(v: Values): RequestParts;
}

function signInOf(api: ApiContract, issue: Use): SignIn {
  const creds = issue.branch.credentials!;
  const name = (field: string): string => `${api.api}.${field}`;
  const matched = creds.match.map((m): FieldRef => ({ in: creds.key.in, name: m, at: '' }));
  return {
    issue,
    name,
    matched,
    request: (v) => {
      const parts = requestOf(issue, v);
      setField(parts, creds.key, v.credentials[name(creds.key.name)]);
      for (const f of matched) setField(parts, f, v.credentials[name(f.name)]);
      return parts;
    },
  };
}

/** Where a branch's answer carries the token: the template's `{{token}}`, else the token record's key. */
function tokenPath(api: ApiContract, use: Use, tokens: CollectionDecl | undefined): string[] {
  const answer = use.branch.answer;
  return [
    ...dataPath(api, use.op),
    ...(answer.kind === 'data' ? (templatePath(answer.template, '{{token}}') ?? []) : [tokens?.key ?? 'token']),
  ];
}

/** A step whose answer must carry a token, which the next steps present. */
function tokenStep(
  api: ApiContract,
  use: Use,
  tokens: CollectionDecl | undefined,
  step: Omit<Step, 'check' | 'carry'>,
): Step {
  const at = tokenPath(api, use, tokens);
  const tokenOf = (a: JsonObject): unknown => getPath(a, at);
  return {
    ...step,
    check: (a) =>
      typeof tokenOf(a) === 'string' && tokenOf(a) ? undefined : `the answer has no token at /${at.join('/')}`,
    carry: (a) => ({ token: String(tokenOf(a) ?? '') }),
  };
}

/** The renew branch on the token collection: the token presented where its key says, the credentials left out. */
function renewSteps(
  api: ApiContract,
  uses: Use[],
  s: SignIn | undefined,
  tokens: CollectionDecl | undefined,
  success: string,
): Step[] {
  const renew = uses.find((u) => u.branch.action === 'renew' && u.branch.collection === tokens?.name && u.branch.key);
  if (!renew) return [];
  const creds = s?.issue.branch.credentials;
  return [
    tokenStep(api, renew, tokens, {
      label: 'renew the token',
      operationId: renew.op.operationId,
      request: (v) => {
        const parts = requestOf(renew, v);
        if (creds && s?.issue.op === renew.op) for (const f of [creds.key, ...s.matched]) unsetField(parts, f);
        setField(parts, renew.branch.key!, v.token);
        return parts;
      },
      expect: success,
    }),
  ];
}

/** The issue with its first matched credential changed: its `invalid` code. */
function wrongCredential(s: SignIn | undefined): Step[] {
  const invalid = s?.issue.branch.invalid;
  const field = s?.matched[0];
  if (!s || !invalid || !field) return [];
  return [
    {
      label: `a wrong ${field.name}: ${invalid.key}`,
      operationId: s.issue.op.operationId,
      request: (v) => {
        const parts = s.request(v);
        setField(parts, field, `${v.credentials[s.name(field.name)] ?? ''}-wrong`);
        return parts;
      },
      expect: invalid.key,
    },
  ];
}

export function tokenSteps(
  api: ApiContract,
  uses: Use[],
  state: DocumentState | undefined,
  success: string,
): TokenSteps {
  const collections = state?.collections ?? new Map<string, CollectionDecl>();
  const issue = uses.find((u) => u.branch.action === 'issue' && u.branch.credentials);
  const tokens = collections.get(issue?.branch.collection ?? state?.auth?.collection ?? '');
  const seededToken = tokens?.seed[0]?.[tokens.key];
  const signIn = issue ? signInOf(api, issue) : undefined;
  const creds = issue?.branch.credentials;
  const record = (creds && collections.get(creds.collection)?.seed[0]) ?? {};
  const keyField = (creds && collections.get(creds.collection)?.key) ?? creds?.key.name ?? '';
  return {
    issue: signIn
      ? [
          tokenStep(api, signIn.issue, tokens, {
            label: 'issue a token',
            operationId: signIn.issue.op.operationId,
            request: signIn.request,
            expect: success,
          }),
        ]
      : [],
    renew: renewSteps(api, uses, signIn, tokens, success),
    refusals: (write, request) => {
      const auth = write.op.auth;
      if (!state?.auth || !auth || !write.branch.auth) return [];
      const field: FieldRef = { in: auth.in === 'form' ? 'body' : auth.in, name: auth.name, at: '' };
      const code = state.auth.invalid?.key ?? api.dialect.role('unauthorized');
      const unknown: Step = {
        label: `an unknown token: ${code}`,
        operationId: write.op.operationId,
        request: (v) => {
          const parts = request(v);
          setField(parts, field, UNKNOWN_TOKEN);
          return parts;
        },
        expect: code,
      };
      return [unknown, ...wrongCredential(signIn)];
    },
    credentials:
      signIn && creds
        ? (Object.fromEntries([
            [signIn.name(creds.key.name), stringOf(record[keyField])],
            ...creds.match.map((m) => [signIn.name(m), stringOf(record[m])]),
          ]) as Credentials)
        : {},
    secrets: signIn && creds ? creds.match.map(signIn.name) : [],
    seeded: typeof seededToken === 'string' ? seededToken : undefined,
  };
}

const stringOf = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
