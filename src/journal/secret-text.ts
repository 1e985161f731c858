/**
 * Secret names and the linear scanner that finds secrets embedded in text (JSON pairs, escaped JSON pairs,
 * form pairs, URL credentials). Knows nothing of records or of how a secret is masked: the caller passes
 * the mask. Every scan here is one pass, so its cost is linear in the text, whatever a client sends
 * (issue 25, finding 1: the regexes it replaces backtracked O(n²) on a name that never ended).
 */

/** Words that make a name secret wherever they sit in it: `client_secret`, `X-Auth-Token`, `appKey`, `sessionid`. */
const SECRET_WORD =
  /token|secret|pass(?:w|code)|pwd|credential|(?:api|app|access|private)[-_]?key|session[-_]?(?:key|id)|auth|cookie|signature|jwt/i;

/**
 * Text worth scanning: a secret word, a short name that may be a segment (`sign`, `pin`), a percent-encoded
 * character (a name such as `%70assword`), or a URL with credentials. A gate, not the rule: the scanner
 * decides. Linear: every alternative is bounded, and `[^/\s]*` runs stop at the next `/` of a later `://`.
 */
const SUSPECT =
  /token|secret|pass(?:w|code)|pwd|credential|(?:api|app|access|private)[-_]?key|session[-_]?(?:key|id)|auth|cookie|sign|pin|jwt|%[0-9a-f]{2}|:\/\/[^/\s]*@/i;

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

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const EQUALS = 61;

// Runs of one character class, read with a sticky pattern from a given position: a class and a star with
// nothing after it, so nothing to backtrack into (linear), at the engine's speed rather than a loop's.
/** A name in text: no quote, backslash, space or `=&?;,{}`. */
const NAME_RUN = /[^"\\\s=&?;,{}]*/y;
const SPACE_RUN = /\s*/y;
/** A bare JSON value ends at a space, `,`, `}` or `]`; inside an escaped JSON string, at a backslash too. */
const BARE_RUN = /[^\s,}\]]*/y;
const ESCAPED_BARE_RUN = /[^\s,}\]\\]*/y;
/** A form value ends at `&`, `;`, `#` or a space. */
const FORM_VALUE_RUN = /[^&\s;#]*/y;
/** The userinfo of a URL ends at `/`, a space, `@`, `?` or `#`. */
const USERINFO_RUN = /[^/\s@?#]*/y;
/** What may stand before a form pair's name (besides the start of the text): `?`, `&`, `;` or a space. */
const LEAD = /[?&;\s]/g;

/** Where the run of `run`'s class that starts at `i` ends. */
function runEnd(run: RegExp, t: string, i: number): number {
  run.lastIndex = i;
  run.test(t);
  return run.lastIndex;
}

/** The next lead character at or after `i`, or -1. */
function nextLead(t: string, i: number): number {
  LEAD.lastIndex = i;
  return LEAD.exec(t)?.index ?? -1;
}

/** How many backslashes stand right before `k`, counting none before `from`. */
function backslashesBefore(t: string, k: number, from: number): number {
  let r = 0;
  while (k - 1 - r >= from && t.charCodeAt(k - 1 - r) === BACKSLASH) r++;
  return r;
}

/** How a secret found in text is shown. */
export type MaskFn = (value: string) => string;

function isSchemeChar(c: number): boolean {
  return kindOf(c) !== 0 || c === 43 || c === 46 || c === 45;
}

/** `scheme://user:pass@host`: the userinfo is masked. */
function urlCredentials(t: string, mask: MaskFn): string {
  let i = t.indexOf('://');
  if (i === -1) return t;
  let out = '';
  let last = 0;
  while (i !== -1) {
    // The scheme: from the first letter of the run of [A-Za-z0-9+.-] that ends at the `:` (runs end at `:`, so no two overlap).
    let s = i;
    while (s > last && isSchemeChar(t.charCodeAt(s - 1))) s--;
    while (s < i && kindOf(t.charCodeAt(s)) !== 1 && kindOf(t.charCodeAt(s)) !== 2) s++;
    if (s < i) {
      const e = runEnd(USERINFO_RUN, t, i + 3);
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

/**
 * The end of a JSON value at `v`: a string to its closing quote (the first `"` after an even run of
 * backslashes), or to the end of the text when it never closes; else a bare run.
 */
function valueEnd(t: string, v: number): number {
  if (t.charCodeAt(v) !== QUOTE) return runEnd(BARE_RUN, t, v);
  for (let k = t.indexOf('"', v + 1); k !== -1; k = t.indexOf('"', k + 1))
    if (backslashesBefore(t, k, v + 1) % 2 === 0) return k + 1;
  return t.length;
}

/**
 * The same inside a JSON string: `\"…\"` ends at the first `\"` (a quote after an odd run of backslashes);
 * a bare quote ends it before itself, and so does the end of the text. A bare value stops at a backslash too.
 */
function escapedValueEnd(t: string, v: number): number {
  if (t.charCodeAt(v) !== BACKSLASH || t.charCodeAt(v + 1) !== QUOTE) return runEnd(ESCAPED_BARE_RUN, t, v);
  const k = t.indexOf('"', v + 2);
  if (k === -1) return t.length;
  return backslashesBefore(t, k, v + 2) % 2 === 1 ? k + 1 : k;
}

/**
 * `"password": "x"` / `"pin": 1234` in JSON text, and `\"password\":\"x\"` in a JSON string inside it. A
 * string that never closes is masked to where it stops (the end of the text, or a bare quote inside an
 * escaped one), so no later candidate reads the same characters again.
 */
function jsonPairs(t: string, secretName: (name: string) => boolean, mask: MaskFn): string {
  let p = t.indexOf('"');
  if (p === -1) return t;
  let out = '';
  let last = 0;
  while (p !== -1) {
    // Names hold no quote or backslash, so each candidate's name is read once.
    const q = runEnd(NAME_RUN, t, p + 1);
    const escaped =
      p - 1 >= last &&
      t.charCodeAt(p - 1) === BACKSLASH &&
      t.charCodeAt(q) === BACKSLASH &&
      t.charCodeAt(q + 1) === QUOTE;
    if ((escaped || t.charCodeAt(q) === QUOTE) && q > p + 1) {
      let v = runEnd(SPACE_RUN, t, q + (escaped ? 2 : 1));
      if (t.charCodeAt(v) === COLON && secretName(t.slice(p + 1, q))) {
        v = runEnd(SPACE_RUN, t, v + 1);
        const end = escaped ? escapedValueEnd(t, v) : valueEnd(t, v);
        if (end > v) {
          const value = t.slice(v, end);
          if (value !== 'null') {
            const qt = escaped ? '\\"' : '"';
            const from = value.startsWith(qt) ? qt.length : 0;
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

/** `password=1234` in a query string, form body or free text, at its start or after `?&;` or a space. */
function formPairs(t: string, secretName: (name: string) => boolean, mask: MaskFn): string {
  let out = '';
  let last = 0;
  // Name starts: 0, then one after each lead character. Names hold no lead character, so each is read once.
  let start = 0;
  for (;;) {
    const q = runEnd(NAME_RUN, t, start);
    let next = q;
    if (q > start && t.charCodeAt(q) === EQUALS && secretName(t.slice(start, q))) {
      const e = runEnd(FORM_VALUE_RUN, t, q + 1);
      if (e > q + 1) {
        out += t.slice(last, q + 1) + mask(t.slice(q + 1, e));
        last = e;
      }
      next = e;
    }
    const lead = nextLead(t, next);
    if (lead === -1) break;
    start = lead + 1;
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
