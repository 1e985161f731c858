/**
 * OutputMask: what a report or recording file may show (verify --json/--junit, report --json/--junit,
 * proxy --record). It applies the one masking rule (SecretMask) to every value, then replaces the literal
 * secrets the command itself holds (the secret and token it was given, the tokens it was issued) wherever
 * they still appear: inside a name, a message or a URL no rule recognises. Knows nothing of files or formats.
 */
import type { SecretMask } from './secret-mask.js';

/** Literals shorter than this are not replaced: a 1-3 character "secret" would mask every word and number holding it. */
const MIN_LITERAL = 4;
/** Values deeper than this are not walked (the rule itself stops there too). */
const MAX_DEPTH = 64;

export class OutputMask {
  private readonly literals = new Set<string>();

  constructor(
    private readonly mask: SecretMask,
    literals: Iterable<string | undefined> = [],
  ) {
    for (const l of literals) this.add(l);
  }

  /** One more literal secret to replace wherever it appears. */
  add(literal: string | undefined): void {
    if (typeof literal === 'string' && literal.length >= MIN_LITERAL) this.literals.add(literal);
  }

  /**
   * Collects as literals the values the rule masks by their name (`access_token`, `token`, `secret` ...):
   * run it over the answers a command received, so an issued token is also masked where its name is lost
   * (a later request's URL, a failure message).
   */
  learn(value: unknown, name = '', depth = 0): void {
    if (value === null || value === undefined || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      if (name && this.mask.value(value, name) === this.mask.mask(value)) this.add(value);
      return;
    }
    if (typeof value !== 'object') return;
    if (Array.isArray(value)) for (const v of value) this.learn(v, '', depth + 1);
    else for (const k in value) this.learn((value as Record<string, unknown>)[k], k, depth + 1);
  }

  /** The text as a file may show it. */
  text(text: string): string {
    return this.literal(this.mask.text(text));
  }

  /** A value at any depth as a file may show it: the rule, then the literals. A new value; the input is not changed. */
  value<T>(value: T): T {
    return this.literalDeep(this.mask.value(value), 0) as T;
  }

  private literal(text: string): string {
    for (const l of this.literals) if (text.includes(l)) text = text.split(l).join(this.mask.mask(l));
    return text;
  }

  private literalDeep(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.literal(value);
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || this.literals.size === 0) return value;
    if (Array.isArray(value)) return value.map((v) => this.literalDeep(v, depth + 1));
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key stays data instead of setting the copy's prototype.
    for (const k in value)
      Object.defineProperty(out, this.literal(k), {
        value: this.literalDeep((value as Record<string, unknown>)[k], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
}
