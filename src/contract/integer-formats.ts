/**
 * The `int32` / `int64` formats as the contract means them: an integer value within the width, whatever its JSON
 * notation (`1e3`, `5.0` are 1000 and 5; `1e20` is outside int64). ajv-formats' int64 takes any integer, so a
 * `1e20` passed; these replace it in every validator, compiled or precompiled (contract-cache.ts).
 */
import { createRequire } from 'node:module';

/** 2^63 as a double: the first value beyond int64 (every double below it is within). */
const TWO_63 = 2 ** 63;

const validateInt32 = (value: number): boolean =>
  Number.isInteger(value) && value >= -2147483648 && value <= 2147483647;
const validateInt64 = (value: number): boolean => Number.isInteger(value) && value >= -TWO_63 && value < TWO_63;

/** The id precompiled validators require these formats by (contract-cache.ts resolves it to `integerFormats.all()`). */
export const FORMATS_MODULE = 'contract-mock:formats';

export const integerFormats = {
  int32: { type: 'number' as const, validate: validateInt32 },
  int64: { type: 'number' as const, validate: validateInt64 },
  /** ajv-formats' full set with these two in place of its own: what standalone validators look formats up in. */
  all(): Record<string, unknown> {
    const { fullFormats } = createRequire(import.meta.url)('ajv-formats/dist/formats') as {
      fullFormats: Record<string, unknown>;
    };
    return { ...fullFormats, int32: integerFormats.int32, int64: integerFormats.int64 };
  },
};
