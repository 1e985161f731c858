/**
 * Issue 25, low finding: the credential names these platforms use are masked (`sign`, `app_key`, `X-Sign`,
 * `sessionid`, `pin` ...), wherever the name appears: a field, a header, a JSON or form pair inside text,
 * percent-encoded in raw text. Short names (`sign`, `pin`) count only as a whole segment of a name, so
 * `design`, `signal` or `pinyin` stay readable.
 */
import { describe, expect, test } from 'vitest';
import { isSecretName } from '../../src/journal/secret-text.js';
import { SecretMask } from '../../src/journal/secret-mask.js';

const SECRET = 'S3CRETVALUE';
const MASKED = /^\*\*\*[a-z]{8}$/;

const SECRET_NAMES = [
  'sign',
  'SIGN',
  'x-sign',
  'X-Sign',
  'XSign',
  'sign_type',
  'signType',
  'api_sign',
  'apiSign',
  'sign2',
  'app_key',
  'appkey',
  'appKey',
  'APP-KEY',
  'X-App-Key',
  'X-Access-Key',
  'access_key',
  'accessKey',
  'sessionid',
  'session_id',
  'sessionId',
  'JSESSIONID',
  'passcode',
  'passCode',
  'pin',
  'PIN',
  'user_pin',
  'pinCode',
  'pin.code',
  'X-Jwt',
  'jwt',
  // Names the rule had before: still masked.
  'token',
  'access_token',
  'secret',
  'client_secret',
  'password',
  'pwd',
  'credential',
  'api_key',
  'x-api-key',
  'private-key',
  'session_key',
  'authorization',
  'cookie',
  'signature',
];
const NEAR_MISSES = [
  'design',
  'signal',
  'assign',
  'assigned',
  'resign',
  'signed',
  'shipping',
  'mapping',
  'spinner',
  'pinyin',
  'opinion',
  'pinned',
  'pine',
  'spin',
  'keep',
  'keyword',
  'session',
  'app',
  'access',
  'xsigned',
  'sig',
  'pi',
  'n',
];

describe('secret names', () => {
  test.each(SECRET_NAMES)(
    '%s is masked as a field, a header (if it is one in lower case), and a JSON or form pair in text',
    (name) => {
      const mask = new SecretMask();
      expect(isSecretName(name)).toBe(true);
      expect((mask.value({ [name]: SECRET }) as Record<string, string>)[name]).toMatch(MASKED);
      // Header names arrive lower-case (Node), so `XSign` cannot be told from `xsign` there.
      if (isSecretName(name.toLowerCase())) expect(mask.headers({ [name]: SECRET })[name]).toMatch(MASKED);
      expect(mask.text(`a=1&${name}=${SECRET}`)).toMatch(/^a=1&[^=]+=\*\*\*[a-z]{8}$/);
      expect(mask.text(`{"${name}":"${SECRET}"}`)).not.toContain(SECRET);
      expect(mask.text(JSON.stringify({ note: JSON.stringify({ [name]: SECRET }) }))).not.toContain(SECRET);
    },
  );

  test.each(NEAR_MISSES)('%s is not a secret name', (name) => {
    const mask = new SecretMask();
    expect(isSecretName(name)).toBe(false);
    expect(mask.value({ [name]: 'VISIBLE' })).toEqual({ [name]: 'VISIBLE' });
    expect(mask.headers({ [name]: 'VISIBLE' })).toEqual({ [name]: 'VISIBLE' });
    expect(mask.text(`a=1&${name}=VISIBLE`)).toBe(`a=1&${name}=VISIBLE`);
    expect(mask.text(`{"${name}":"VISIBLE"}`)).toBe(`{"${name}":"VISIBLE"}`);
  });

  test.each(['%70assword', 'p%61ssword', '%73ign', '%50IN', 'app%5Fkey', 'x%2Dsign'])(
    'a percent-encoded name in raw text, %s, is masked',
    (name) => {
      const mask = new SecretMask();
      // Raw form text as a body is kept when its charset could not be decoded.
      expect(mask.text(`loginName=a&${name}=${SECRET}&x=1`)).toMatch(/^loginName=a&[^=]+=\*\*\*[a-z]{8}&x=1$/);
      expect(mask.value({ [name]: SECRET })).not.toEqual({ [name]: SECRET });
    },
  );

  test('a name of a served spec counts as a field and header name, not in text (as before)', () => {
    const mask = new SecretMask(undefined, new Set(['key']));
    expect((mask.value({ key: SECRET }) as { key: string }).key).toMatch(MASKED);
    expect(mask.text(`key=${SECRET}`)).toBe(`key=${SECRET}`);
  });
});
