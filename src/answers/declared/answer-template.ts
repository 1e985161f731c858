/**
 * A declared answer's `data` template compiled once into a function of the call's values: every string value
 * `"{{name}}"` is replaced by that value, typed (a number stays a number, a record an object); other values are
 * copied as written. Owns the placeholder names, not what the values are (declared-actions.ts fills them).
 */
import { formatDateTime } from '../../contract/format-time.js';
import type { JsonObject } from '../../contract/types.js';

/** The values a template may name. */
export interface TemplateValues {
  token?: string;
  /** Seconds the token lives. */
  ttl?: number;
  /** Epoch ms the token expires at (`{{expire}}` is it as yyyy-MM-dd HH:mm:ss). */
  expiresAt?: number;
  record?: JsonObject;
  key?: unknown;
}

export type Template = (values: TemplateValues) => unknown;

const PLACEHOLDER = /^\{\{([A-Za-z_][\w.-]*)\}\}$/;

/** The placeholder names a template may use besides `record.F`. */
export const PLACEHOLDERS = ['token', 'ttl', 'expire', 'expiresAt', 'record', 'key'] as const;

/** The template as a function; `unknown` collects the placeholders it names that do not exist. */
export function compileTemplate(template: unknown, unknown: string[] = []): Template {
  if (typeof template === 'string') {
    const m = PLACEHOLDER.exec(template);
    if (!m) return () => template;
    return placeholder(m[1]!, template, unknown);
  }
  if (Array.isArray(template)) {
    const items = template.map((t) => compileTemplate(t, unknown));
    return (v) => items.map((item) => item(v));
  }
  if (template !== null && typeof template === 'object') {
    const fields = Object.entries(template as JsonObject).map(([k, t]) => [k, compileTemplate(t, unknown)] as const);
    return (v) => {
      const out: JsonObject = {};
      for (const [k, field] of fields) out[k] = field(v);
      return out;
    };
  }
  return () => template;
}

function placeholder(name: string, written: string, unknown: string[]): Template {
  switch (name) {
    case 'token':
      return (v) => v.token;
    case 'ttl':
      return (v) => v.ttl;
    case 'expiresAt':
      return (v) => v.expiresAt;
    case 'expire':
      return (v) => (v.expiresAt === undefined ? undefined : formatDateTime(v.expiresAt));
    case 'record':
      return (v) => v.record;
    case 'key':
      return (v) => v.key;
  }
  if (name.startsWith('record.')) {
    const field = name.slice('record.'.length);
    return (v) => v.record?.[field];
  }
  unknown.push(name);
  return () => written;
}
