/**
 * SecretMask: the one masking rule for everything a call record carries (headers, query, bodies at any
 * depth, JSON or form text inside strings, URL credentials, delivery URLs). Knows nothing of HTTP or of
 * where a record goes: the journal applies it once per record, so every export sees the same masked record.
 *
 * A masked value shows none of its characters: it becomes `***` and a short keyed hash (SHA-256 over a
 * key random per process, 8 letters from a consonant alphabet), so the same secret masks the same way within
 * one run (a test can tell "the token issued" from "the token sent") but cannot be guessed back, even when
 * it is `1234`. Non-string secrets (numbers, objects) are masked whole.
 */
import { exactJson } from '../contract/exact-json.js';
import * as crypto from 'node:crypto';
import type { CallRecord } from './call-record.js';
import type { Violation } from '../contract/types.js';
import { isSecretName, maskText } from './secret-text.js';

/** Header names masked besides those isSecretName judges secret. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-api-key',
  'x-mock-admin-token',
]);
/** Headers that merely describe authentication, never carry it. */
const PUBLIC_HEADERS = new Set(['www-authenticate', 'proxy-authenticate']);
/** An authorization scheme word and the spaces after it (`Bearer `). */
const SCHEME = /^([A-Za-z][\w-]*) +/;
const SCHEME_WORD = /^(bearer|basic|digest|token|negotiate|hmac[\w-]*)$/i;
/** Names longer than this are judged each time, not remembered (they come from clients). */
const MAX_JUDGED_NAME = 256;
/** Values deeper than this are not walked (records are bounded well above any body the limits accept). */
const MAX_DEPTH = 64;
const ALPHABET = 'bcdfghjkmnpqrstv';

/** Hex digit → letter of ALPHABET (the digest's nibbles, in order). */
const LETTER: Record<string, string> = Object.fromEntries([...'0123456789abcdef'].map((h, i) => [h, ALPHABET[i]!]));

/**
 * SHA-256 of the per-process key followed by the value, as hex. A mask is never checked as a MAC, so a
 * keyed prefix hash serves as well as an HMAC at half its cost; and hex text costs half of a digest
 * Buffer (no Buffer object per call): the token workload masks a new token on every call.
 * `crypto.hash` (one call, no Hash object) is Node 20.12+; older 20.x take createHash.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
function keyedHex(key: string, text: string): string {
  return oneShot
    ? oneShot('sha256', key + text, 'hex')
    : crypto
        .createHash('sha256')
        .update(key + text)
        .digest('hex');
}

/** A value that may hold a secret whatever its name: a string (embedded pairs) or an object or array. */
const mayHoldSecret = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'object' && v !== null);

export class SecretMask {
  /** The key as text, so a mask is one hash call over key and value. */
  private readonly keyText: string;
  /** Lower-case names that carry credentials besides isSecretName's: a served spec's API key parameters (`key`, `X-Shop-Id`). */
  private readonly names: ReadonlySet<string>;

  constructor(key: Buffer = crypto.randomBytes(32), names: ReadonlySet<string> = new Set()) {
    this.keyText = key.toString('latin1');
    this.names = names;
  }

  /**
   * Names already judged: a record's field and header names are the same few on call after call. Bounded
   * (emptied when full), since names come from clients.
   */
  private readonly judged = new Map<string, boolean>();

  private secretName(name: string): boolean {
    let secret = this.judged.get(name);
    if (secret === undefined) {
      secret = isSecretName(name) || (this.names.size > 0 && this.names.has(name.toLowerCase()));
      if (name.length > MAX_JUDGED_NAME) return secret;
      if (this.judged.size >= 4096) this.judged.clear();
      this.judged.set(name, secret);
    }
    return secret;
  }

  /**
   * Masks already computed: the same token arrives on call after call, and the hash is most of the cost
   * of masking a record. Bounded (emptied when full); it holds only values the store holds anyway.
   */
  private readonly cache = new Map<string, string>();

  /** The mask of one secret value: `***` and 8 letters of its keyed hash. */
  mask(value: unknown): string {
    let text: string;
    try {
      text = typeof value === 'string' ? value : `\u0000${exactJson.stringify(value) ?? String(value)}`;
    } catch {
      return '***';
    }
    const cached = this.cache.get(text);
    if (cached !== undefined) return cached;
    const hex = keyedHex(this.keyText, text);
    let out = '***';
    for (let i = 0; i < 8; i++) out += LETTER[hex[i]!]!;
    if (text.length <= 512) {
      if (this.cache.size >= 4096) this.cache.clear();
      this.cache.set(text, out);
    }
    return out;
  }

  private readonly maskString = (value: string): string => this.mask(value);

  /** Secrets embedded in text: JSON pairs, form pairs, URL credentials. One pass each (secret-text.ts); cheap when there is nothing to find. */
  text(text: string): string {
    return maskText(text, isSecretName, this.maskString);
  }

  /** A value at any depth; `name` is the field it sits in. Returns the same object when nothing was masked. */
  value(value: unknown, name = '', depth = 0): unknown {
    if (value === null || value === undefined) return value;
    if (name && this.secretName(name)) return value === '' ? value : this.mask(value);
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return `(nested deeper than ${MAX_DEPTH} levels, not kept)`;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        // A number, boolean or null without a name holds nothing to mask: no call for it.
        if (!mayHoldSecret(value[i])) continue;
        const v = this.value(value[i], '', depth + 1);
        if (v !== value[i]) (out ??= value.slice())[i] = v;
      }
      return out ?? value;
    }
    let out: Record<string, unknown> | undefined;
    for (const k in value) {
      const v0 = (value as Record<string, unknown>)[k];
      if (!mayHoldSecret(v0) && !this.secretName(k)) continue;
      const v = this.value(v0, k, depth + 1);
      if (v !== v0) (out ??= { ...(value as Record<string, unknown>) })[k] = v;
    }
    return out ?? value;
  }

  headers(headers: Record<string, string>): Record<string, string> {
    let out: Record<string, string> | undefined;
    for (const k in headers) {
      const v = headers[k]!;
      const lower = k.toLowerCase();
      let masked = v;
      if (PUBLIC_HEADERS.has(lower)) masked = v;
      else if (SECRET_HEADERS.has(lower) || this.secretName(lower)) {
        // Keep the scheme word (`Bearer`, `Basic`): it says how the client authenticated, not with what.
        // (Nothing follows the spaces in the pattern, so a value of spaces that never end is read once, not backtracked.)
        const scheme = SCHEME.exec(v);
        const credential =
          scheme && scheme[0].length < v.length && !/\s/.test(v[scheme[0].length]!)
            ? v.slice(scheme[0].length).trim()
            : undefined;
        masked =
          v === ''
            ? v
            : credential !== undefined && SCHEME_WORD.test(scheme![1]!)
              ? `${scheme![1]} ${this.mask(credential)}`
              : this.mask(v);
      } else masked = this.text(v);
      if (masked !== v) (out ??= { ...headers })[k] = masked;
    }
    return out ?? headers;
  }

  /** The record as it may be kept and shown anywhere: the same object when nothing in it is a secret. */
  record(record: CallRecord): CallRecord {
    const path = this.text(record.path);
    const query = this.value(record.query) as CallRecord['query'];
    const request = record.request;
    const requestHeaders = this.headers(request.headers);
    const requestBody = this.value(request.body);
    const response = record.response;
    let responseHeaders = this.headers(response.headers);
    let responseBody = this.value(response.body);
    const violations = this.violations(record.violations);
    if (violations !== record.violations) {
      // The answer repeats the messages (X-Mock-Violations, a served spec's problem+json): masked the same way.
      const echoes = this.echoes(record.violations, violations);
      responseHeaders = this.echoed(responseHeaders, echoes, 0) as Record<string, string>;
      responseBody = this.echoed(responseBody, echoes, 0);
    }
    let deliveries = record.deliveries;
    for (let i = 0; i < record.deliveries.length; i++) {
      const d = this.delivery(record.deliveries[i]!);
      if (d === record.deliveries[i]) continue;
      if (deliveries === record.deliveries) deliveries = deliveries.slice();
      deliveries[i] = d;
    }
    const requestSame = requestHeaders === request.headers && requestBody === request.body;
    const responseSame = responseHeaders === response.headers && responseBody === response.body;
    if (
      path === record.path &&
      query === record.query &&
      requestSame &&
      responseSame &&
      deliveries === record.deliveries &&
      violations === record.violations
    )
      return record;
    return {
      ...record,
      path,
      query,
      request: requestSame ? request : { headers: requestHeaders, body: requestBody },
      response: responseSame ? response : { ...response, headers: responseHeaders, body: responseBody },
      deliveries,
      violations,
    };
  }

  /**
   * Violation messages quote request data (a path, a value that is not an integer, an upstream's error):
   * masked as any text is, and, under a secret name (`/query/pin`), whole after `got` (issue 25, finding 8).
   * The same array when nothing changed.
   */
  violations(list: Violation[]): Violation[] {
    let out: Violation[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      const message = this.violationMessage(v);
      if (message !== v.message) (out ??= list.slice())[i] = { ...v, message };
    }
    return out ?? list;
  }

  /** Each changed message as it was and as masked, raw and as JSON text (X-Mock-Violations is JSON, non-ASCII escaped). */
  private echoes(before: Violation[], after: Violation[]): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const json = (m: string): string => JSON.stringify(m).slice(1, -1);
    const ascii = (m: string): string =>
      json(m).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    for (let i = 0; i < before.length; i++) {
      const was = before[i]!.message;
      const now = after[i]!.message;
      if (was === now) continue;
      out.push([was, now]);
      if (json(was) !== was) out.push([json(was), json(now)]);
      if (ascii(was) !== json(was)) out.push([ascii(was), ascii(now)]);
    }
    return out;
  }

  /** `value` with every echo of a changed message replaced by its masked form; the same value when none is in it. */
  private echoed(value: unknown, echoes: Array<[string, string]>, depth: number): unknown {
    if (typeof value === 'string') {
      let s = value;
      for (const [was, now] of echoes) if (s.includes(was)) s = s.split(was).join(now);
      return s;
    }
    if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(value)) {
      const v0 = (value as Record<string, unknown>)[k];
      const v = this.echoed(v0, echoes, depth + 1);
      if (v !== v0) (out ??= (Array.isArray(value) ? value.slice() : { ...value }) as Record<string, unknown>)[k] = v;
    }
    return out ?? value;
  }

  private violationMessage(v: Violation): string {
    const got = v.message.indexOf(', got ');
    if (got !== -1) {
      const last = v.pointer
        .slice(v.pointer.lastIndexOf('/') + 1)
        .replace(/~1/g, '/')
        .replace(/~0/g, '~');
      if (last && this.secretName(last))
        return `${this.text(v.message.slice(0, got))}, got ${this.mask(v.message.slice(got + 6))}`;
    }
    return this.text(v.message);
  }

  delivery<D extends { url: string; error?: string }>(d: D): D {
    const url = this.text(d.url);
    const error = d.error === undefined ? undefined : this.text(d.error);
    return url === d.url && error === d.error ? d : { ...d, url, ...(error !== undefined && { error }) };
  }
}
