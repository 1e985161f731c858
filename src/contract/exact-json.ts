/**
 * Exact JSON numbers: integers beyond 2^53 (a Java `long` such as `otherId: 9007199254740993`) are kept
 * as BigInt from the wire to state, responses, the journal and exports, instead of being rounded by
 * JSON.parse. The common path stays JSON.parse / JSON.stringify: only a text with a run of 16 digits
 * (every integer of 15 digits or fewer is safe) is parsed by lossless-json, and only a value holding a
 * BigInt (JSON.stringify refuses one) is written by it. Knows nothing of schemas or HTTP.
 */
import { isInteger, isSafeNumber, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Whether the text has a run of 16 digits, which no safe integer has: the cheap test that sends a text to
 * the lossless parser. Any 16 consecutive positions hold exactly one index ≡ 15 (mod 16), so only those are
 * looked at, and the run around a digit found there measured: a sixteenth of the reads `/\d{16}/` makes
 * (which cost as much as JSON.parse of the same text).
 */
export function hasLongDigitRun(text: string): boolean {
  for (let i = 15; i < text.length; i += 16) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let from = i;
    while (from > 0 && isDigit(text.charCodeAt(from - 1))) from--;
    let to = i;
    while (to + 1 < text.length && to - from < 15 && isDigit(text.charCodeAt(to + 1))) to++;
    if (to - from >= 15) return true;
  }
  return false;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
/** 2^63 - 1024: the largest double below 2^63. */
const LARGEST_DOUBLE_IN_INT64 = 2n ** 63n - 1024n;
export const INT32_MIN = -(2n ** 31n);
export const INT32_MAX = 2n ** 31n - 1n;

/** An integer's declared width: `int32`, or `int64` (a bare `integer` counts as int64). */
export type IntegerFormat = 'int32' | 'int64';

export function integerInRange(value: bigint, format: IntegerFormat): boolean {
  return format === 'int32' ? value >= INT32_MIN && value <= INT32_MAX : value >= INT64_MIN && value <= INT64_MAX;
}

/** An integer written with a zero fraction (`9007199254740993.0`): its integer digits, else undefined. */
const ZERO_FRACTION = /^(-?\d+)\.0+$/;

/**
 * A lossless-json number: an unsafe integer becomes a BigInt, anything else a number (as JSON.parse). An
 * unsafe integer written with a zero fraction (`9007199254740993.0`, as some serializers write a long) is
 * the same integer, kept as a BigInt too: as a double it would be stored as ...992.
 */
function parseNumber(text: string): number | bigint {
  if (isInteger(text)) return isSafeNumber(text) ? Number(text) : BigInt(text);
  const integral = ZERO_FRACTION.exec(text)?.[1];
  return integral !== undefined && !isSafeNumber(integral) ? BigInt(integral) : Number(text);
}

const lastWins = ({ newValue }: { newValue: unknown }): unknown => newValue;

/** `JSON.parse`, except that integers beyond 2^53 come back as BigInt with every digit. Throws SyntaxError like it. */
function parse(text: string): unknown {
  if (!hasLongDigitRun(text)) return JSON.parse(text);
  // Duplicate keys: the last one wins, as with JSON.parse (lossless-json would throw).
  return losslessParse(text, undefined, { parseNumber, onDuplicateKey: lastWins });
}

/** `JSON.stringify`, except that a BigInt is written as its digits instead of throwing. */
function stringify(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, undefined, space);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    return losslessStringify(value, undefined, space) as string;
  }
}

function holdsBigInt(value: unknown, depth = 0): boolean {
  if (typeof value === 'bigint') return true;
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  for (const k in value) if (holdsBigInt((value as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/**
 * A copy in which each BigInt is a number a JSON Schema validator can judge: within int64 the nearest
 * double within int64 (an integer, so `type: integer` and the formats hold; int32 still refuses it), beyond it NaN
 * (refused by `type: integer` and `type: number` alike). `outside` collects the pointers of the latter.
 */
function forValidation(value: unknown, outside: string[] = [], pointer = '', depth = 0): unknown {
  if (typeof value === 'bigint') {
    if (!integerInRange(value, 'int64')) {
      outside.push(pointer);
      return Number.NaN;
    }
    // The nearest double, except that int64's top 512 values round up to 2^63, which the int64 format refuses.
    return value > LARGEST_DOUBLE_IN_INT64 ? Number(LARGEST_DOUBLE_IN_INT64) : Number(value);
  }
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v, i) => forValidation(v, outside, `${pointer}/${i}`, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k in value)
    out[k] = forValidation(
      (value as Record<string, unknown>)[k],
      outside,
      `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      depth + 1,
    );
  return out;
}

export const exactJson = { parse, stringify, holdsBigInt, forValidation };
