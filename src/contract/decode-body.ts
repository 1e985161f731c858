/**
 * Request text in the charset the client declared: a body sent as `charset=GBK` (GB2312, GB18030, Big5 ...)
 * is decoded with iconv-lite, form fields byte by byte (`%D5%C5` is one GBK character, not two broken
 * UTF-8 ones), and handed on as UTF-8; header values that arrived as raw UTF-8 bytes are read as UTF-8.
 * UTF-8 (or no charset) never comes here: the common path stays `buffer.toString('utf8')`.
 */
import iconv from 'iconv-lite';
import type { Violation } from './types.js';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/** The declared charset of a Content-Type when it is not UTF-8 (lower case), else undefined. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  if (!contentType || contentType.indexOf('harset') === -1) return undefined;
  const name = CHARSET.exec(contentType)?.[1]?.toLowerCase();
  return name && name !== 'utf-8' && name !== 'utf8' ? name : undefined;
}

/** Bytes as text in the charset a Content-Type declares; UTF-8 when it declares none, or one iconv-lite does not know (an answer is read as sent, never refused). */
export function textIn(bytes: Buffer, contentType: string | undefined): string {
  const charset = declaredCharset(contentType);
  return charset && iconv.encodingExists(charset) ? iconv.decode(bytes, charset) : bytes.toString('utf8');
}

export type DecodedBody = { ok: true; text: string } | { ok: false; violation: Violation };

const HEX = /^[0-9a-fA-F]{2}$/;

/** One form component's bytes: `+` is a space, `%XX` a byte, anything else its own bytes. */
function componentBytes(raw: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = raw[i]!;
    if (b === 0x2b) out[n++] = 0x20;
    else if (b === 0x25 && i + 2 < to && HEX.test(raw.toString('latin1', i + 1, i + 3))) {
      out[n++] = parseInt(raw.toString('latin1', i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

function undecodable(charset: string, where: string): DecodedBody {
  return {
    ok: false,
    violation: {
      side: 'request',
      pointer: '/body',
      message: `${where} is not valid ${charset} (the charset its Content-Type declares)`,
      rule: 'charset',
    },
  };
}

function decodeStrict(bytes: Buffer, charset: string): string | undefined {
  const text = iconv.decode(bytes, charset);
  // iconv-lite writes U+FFFD for a byte sequence the charset has no character for.
  return text.includes('\ufffd') && !bytes.includes(Buffer.from('\ufffd', 'utf8')) ? undefined : text;
}

/**
 * The body as UTF-8 text: a JSON body decoded whole; a form body field by field and written back
 * percent-encoded as UTF-8, so the form parser downstream needs to know nothing of charsets.
 */
export function decodeBody(raw: Buffer, charset: string, form: boolean): DecodedBody {
  if (!iconv.encodingExists(charset)) {
    return {
      ok: false,
      violation: {
        side: 'request',
        pointer: '/body',
        message: `charset ${charset} is not one contract-mock can decode (UTF-8, GBK, GB2312, GB18030, Big5 ...)`,
        rule: 'charset',
      },
    };
  }
  if (!form) {
    const text = decodeStrict(raw, charset);
    return text === undefined ? undecodable(charset, 'the body') : { ok: true, text };
  }
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i < raw.length && raw[i] !== 0x26) continue;
    if (i > start) {
      let eq = raw.indexOf(0x3d, start);
      if (eq === -1 || eq > i) eq = i;
      const key = decodeStrict(componentBytes(raw, start, eq), charset);
      const value = eq < i ? decodeStrict(componentBytes(raw, eq + 1, i), charset) : '';
      if (key === undefined || value === undefined)
        return undecodable(charset, `form field ${key === undefined ? `#${parts.length + 1}` : JSON.stringify(key)}`);
      parts.push(eq < i ? `${encodeURIComponent(key)}=${encodeURIComponent(value)}` : encodeURIComponent(key));
    }
    start = i + 1;
  }
  return { ok: true, text: parts.join('&') };
}

/** A header value as the client wrote it: node reads header bytes as Latin-1, so UTF-8 text arrives as mojibake. */
export function headerText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? value : text;
}
