/**
 * Secret names and the linear scanner that finds secrets embedded in text (JSON pairs, escaped JSON pairs,
 * form pairs, URL credentials). Knows nothing of records or of how a secret is masked: the caller passes
 * the mask. Every scan here is one pass, so its cost is linear in the text, whatever a client sends
 * (issue 25, finding 1: the regexes it replaces backtracked O(n²) on a name that never ended).
 */

/** Words that make a name secret wherever they sit in it: `client_secret`, `X-Auth-Token`, `appKey`, `sessionid`. */
const SECRET_WORD = /token|secret|pass(?:w|code)|pwd|credential|(?:api|app|access|private)[-_]?key|session[-_]?(?:key|id)|auth|cookie|signature|jwt/i;

/**
 * Text worth scanning: a secret word, a short name that may be a segment (`sign`, `pin`), a percent-encoded
 * character (a name such as `%70assword`), or a URL with credentials. A gate, not the rule: the scanner
 * decides. Linear: every alternative is bounded, and `[^/\s]*` runs stop at the next `/` of a later `://`.
 */
const SUSPECT = /token|secret|pass(?:w|code)|pwd|credential|(?:api|app|access|private)[-_]?key|session[-_]?(?:key|id)|auth|cookie|sign|pin|jwt|%[0-9a-f]{2}|:\/\/[^/\s]*@/i;

const PERCENT = /%([0-9a-f]{2})/gi;

/** Character kinds for name segments: 0 a separator, 1 a lower-case letter, 2 an upper-case letter, 3 a digit. */
function kindOf(c: number): number {
  if (c >= 97 && c <= 122) return 1;
  if (c >= 65 && c <= 90) return 2;
  if (c >= 48 && c <= 57) return 3;
  return 0;
}

/** `name.slice(from, to)` is `pin` or `sign`, in any case. */
function shortSecret(name: string, from: number, to: number): boolean {
  const lower = (i: number) => name.charCodeAt(from + i) | 0x20;
  if (to - from === 3) return lower(0) === 112 && lower(1) === 105 && lower(2) === 110;
  if (to - from === 4) return lower(0) === 115 && lower(1) === 105 && lower(2) === 103 && lower(3) === 110;
  return false;
}

/**
 * A segment of the name is `sign` or `pin` (`X-Sign`, `user_pin`, `pinCode`, `PIN`). Segments are split at
 * anything not a letter or digit, at a lower → upper step (`pinCode`), before the last capital of a run
 * followed by a lower-case letter (`XSign`), and between letters and digits: `design`, `signal`,
 * `shipping` or `pinyin` hold no such segment.
 */
function hasSecretSegment(name: string): boolean {
  let start = -1;
  let prev = 0;
  for (let i = 0; i <= name.length; i++) {
    const kind = i < name.length ? kindOf(name.charCodeAt(i)) : 0;
    if (start !== -1) {
      const boundary =
        kind === 0 ||
        (kind === 2 && prev === 1) ||
        (kind !== prev && (kind === 3 || prev === 3)) ||
        (kind === 2 && prev === 2 && i + 1 < name.length && kindOf(name.charCodeAt(i + 1)) === 1);
      if (boundary) {
        if (shortSecret(name, start, i)) return true;
        start = kind === 0 ? -1 : i;
      }
    } else if (kind !== 0) start = i;
    prev = kind;
  }
  return false;
}

/** A field, parameter or header name whose value is a credential; `%70assword` counts as `password`. */
export function isSecretName(name: string): boolean {
  if (SECRET_WORD.test(name) || hasSecretSegment(name)) return true;
  if (name.indexOf('%') === -1) return false;
  const decoded = name.replace(PERCENT, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return decoded !== name && (SECRET_WORD.test(decoded) || hasSecretSegment(decoded));
}

/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/** A character that may be part of a name in text: not a quote, backslash, space or `=&?;,{}`. */
function isNameChar(c: number): boolean {
  return !(c === QUOTE || c === BACKSLASH || c === 61 || c === 38 || c === 63 || c === 59 || c === 44 || c === 123 || c === 125 || isSpace(c));
}

/** The end of the run of name characters from `i`. */
function nameEnd(t: string, i: number): number {
  while (i < t.length && isNameChar(t.charCodeAt(i))) i++;
  return i;
}

function skipSpaces(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** How a secret found in text is shown. */
export type MaskFn = (value: string) => string;

/** `scheme://user:pass@host`: the userinfo is masked. */
function urlCredentials(t: string, mask: MaskFn): string {
  let i = t.indexOf('://');
  if (i === -1) return t;
  let out = '';
  let last = 0;
  while (i !== -1) {
    // The scheme: from the first letter of the run of [A-Za-z0-9+.-] that ends at the `:` (runs end at `:`, so they never overlap).
    let s = i;
    while (s > last && isSchemeChar(t.charCodeAt(s - 1))) s--;
    while (s < i && kindOf(t.charCodeAt(s)) !== 1 && kindOf(t.charCodeAt(s)) !== 2) s++;
    if (s < i) {
      let e = i + 3;
      while (e < t.length && !isUserinfoEnd(t.charCodeAt(e))) e++;
      if (e > i + 3 && t.charCodeAt(e) === 64) {
        out += t.slice(last, i + 3) + mask(t.slice(i + 3, e)) + '@';
        last = e + 1;
        i = t.indexOf('://', last);
        continue;
      }
    }
    i = t.indexOf('://', i + 1);
  }
  return last === 0 ? t : out + t.slice(last);
}

function isSchemeChar(c: number): boolean {
  return kindOf(c) !== 0 || c === 43 || c === 46 || c === 45;
}

/** `/`, a space, `@`, `?` or `#`: where the userinfo of a URL ends. */
function isUserinfoEnd(c: number): boolean {
  return c === 47 || c === 64 || c === 63 || c === 35 || isSpace(c);
}

/** A bare JSON value ends at a space, `,`, `}` or `]` (and, inside an escaped JSON string, at a backslash). */
function bareEnd(t: string, i: number, escaped: boolean): number {
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 44 || c === 125 || c === 93 || isSpace(c) || (escaped && c === BACKSLASH)) break;
  }
  return i;
}

/**
 * `"password": "x"` / `"pin": 1234` in JSON text, and `\"password\":\"x\"` in a JSON string inside it. A
 * string that never closes is masked to where its scan stopped (its end, or a character that cannot be in
 * it), so no later candidate scans the same characters again.
 */
function jsonPairs(t: string, secretName: (name: string) => boolean, mask: MaskFn): string {
  let p = t.indexOf('"');
  if (p === -1) return t;
  let out = '';
  let last = 0;
  while (p !== -1) {
    const q = nameEnd(t, p + 1);
    const escaped = p - 1 >= last && t.charCodeAt(p - 1) === BACKSLASH && t.charCodeAt(q) === BACKSLASH && t.charCodeAt(q + 1) === QUOTE;
    if ((escaped || t.charCodeAt(q) === QUOTE) && q > p + 1) {
      let v = skipSpaces(t, q + (escaped ? 2 : 1));
      if (t.charCodeAt(v) === COLON && secretName(t.slice(p + 1, q))) {
        v = skipSpaces(t, v + 1);
        const end = escaped ? escapedValueEnd(t, v) : valueEnd(t, v);
        if (end > v) {
          const value = t.slice(v, end);
          if (value !== 'null') {
            const qt = escaped ? '\\"' : '"';
            let from = value.startsWith(qt) ? qt.length : 0;
            let to = value.length;
            if (to - from >= qt.length && value.endsWith(qt)) to -= qt.length;
            out += t.slice(last, v) + qt + mask(value.slice(from, to)) + qt;
            last = end;
          }
          p = t.indexOf('"', end);
          continue;
        }
      }
    }
    p = t.indexOf('"', p + 1);
  }
  return last === 0 ? t : out + t.slice(last);
}

/** The end of a JSON value at `v`: a string to its closing quote (or as far as it goes), else a bare run. */
function valueEnd(t: string, v: number): number {
  if (t.charCodeAt(v) !== QUOTE) return bareEnd(t, v, false);
  let j = v + 1;
  while (j < t.length) {
    const c = t.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      const n = t.charCodeAt(j + 1);
      if (j + 1 >= t.length || n === 10 || n === 13 || n === 8232 || n === 8233) break;
      j += 2;
    } else j++;
  }
  return Math.max(j, bareEnd(t, v, false));
}

/** The same inside a JSON string: a value `\"…\"` ends at the first `\"`; a bare one at a backslash too. */
function escapedValueEnd(t: string, v: number): number {
  if (t.charCodeAt(v) !== BACKSLASH || t.charCodeAt(v + 1) !== QUOTE) return bareEnd(t, v, true);
  let j = v + 2;
  while (j < t.length) {
    const c = t.charCodeAt(j);
    if (c === BACKSLASH) {
      if (t.charCodeAt(j + 1) === QUOTE) return j + 2;
      if (j + 1 >= t.length) break;
      j += 2;
    } else if (c === QUOTE) break;
    else j++;
  }
  return j;
}

/** A character before a form pair's name: the start, `?`, `&`, `;` or a space. */
function isLead(c: number): boolean {
  return c === 63 || c === 38 || c === 59 || isSpace(c);
}

/** A form value ends at `&`, `;`, `#` or a space. */
function formValueEnd(t: string, i: number): number {
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 38 || c === 59 || c === 35 || isSpace(c)) break;
  }
  return i;
}

/** `password=1234` in a query string, form body or free text, at its start or after `?&;` or a space. */
function formPairs(t: string, secretName: (name: string) => boolean, mask: MaskFn): string {
  let out = '';
  let last = 0;
  // Name starts: 0, then one after each lead character. Names never hold a lead character, so each is read once.
  let start = 0;
  while (start <= t.length) {
    const q = nameEnd(t, start);
    let next = q;
    if (q > start && t.charCodeAt(q) === 61 && secretName(t.slice(start, q))) {
      const e = formValueEnd(t, q + 1);
      if (e > q + 1) {
        out += t.slice(last, q + 1) + mask(t.slice(q + 1, e));
        last = e;
      }
      next = e;
    }
    while (next < t.length && !isLead(t.charCodeAt(next))) next++;
    if (next >= t.length) break;
    start = next + 1;
  }
  return last === 0 ? t : out + t.slice(last);
}

/**
 * Secrets embedded in text, masked: URL credentials, then JSON pairs, then form pairs (each pass reads the
 * text the one before it left). `secretName` judges a name found in the text.
 */
export function maskText(text: string, secretName: (name: string) => boolean, mask: MaskFn): string {
  // Every pattern needs a `=` (form pair) or a `:` (JSON pair, URL credentials): most values have neither.
  if ((text.indexOf('=') === -1 && text.indexOf(':') === -1) || !SUSPECT.test(text)) return text;
  let t = urlCredentials(text, mask);
  if (t.indexOf(':') !== -1) t = jsonPairs(t, secretName, mask);
  return t.indexOf('=') === -1 ? t : formPairs(t, secretName, mask);
}
