/**
 * The proxy's --record: each call the upstream answered whole becomes a rule of a scenario file that replays the
 * recorded answers in order (0600; unless --keep-secrets, predicates leave secrets out and answers are masked).
 */
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { Contract } from '../contract/compile-contract.js';
import type { JsonObject, Operation } from '../contract/types.js';
import { requestTarget } from '../http/request-target.js';
import { OutputMask } from '../journal/output-mask.js';
import { SecretMask } from '../journal/secret-mask.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import type { ForwardOptions } from '../pipeline/forward.js';
import type { Rule } from '../scenarios/scenario.js';

/** The request predicates a recorded rule replays on: operation, path, query, and the body's scalar fields but tokens. */
function recordedWhen(op: Operation, path: string, query: JsonObject, body: JsonObject | undefined): Rule['when'] {
  const tokenField = op.auth?.name;
  const scalars = (o: JsonObject | undefined): JsonObject | undefined => {
    if (!o) return undefined;
    const out = Object.fromEntries(
      Object.entries(o).filter(
        ([k, v]) => k !== tokenField && k !== 'access_token' && (v === null || typeof v !== 'object'),
      ),
    );
    return Object.keys(out).length ? out : undefined;
  };
  const q = scalars(query);
  const b = scalars(body);
  return { operationId: op.operationId, path, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'];
}

/**
 * The answer a recorded rule replays: the upstream's status and its one Content-Type; the body as parsed
 * JSON when it parsed, else the text as sent (an HTML gateway page, text/plain, broken JSON), `` for none.
 */
function recordedThen(
  status: number,
  contentType: string | undefined,
  text: string,
  parsed: unknown,
): NonNullable<Rule['then']> {
  if (text === '') return { status, body: '' };
  const headers = { 'content-type': contentType ?? 'application/octet-stream' };
  return { status, body: typeof parsed === 'string' ? text : parsed, headers };
}

/**
 * A rule as the recording keeps it: unless --keep-secrets, its predicates leave out every field holding a secret
 * (so the rule matches whatever secret a replaying client sends) and its answer and description are masked.
 */
function recordedRule(rule: Rule, mask: OutputMask | undefined): Rule {
  if (!mask) return rule;
  const kept = (o: JsonObject | undefined): JsonObject | undefined => {
    if (!o) return undefined;
    const out = Object.fromEntries(Object.entries(o).filter(([k, v]) => mask.value({ [k]: v })[k] === v));
    return Object.keys(out).length ? out : undefined;
  };
  const { query, body, ...when } = rule.when as Rule['when'] & { query?: JsonObject; body?: JsonObject };
  const q = kept(query);
  const b = kept(body);
  return {
    ...rule,
    description: mask.text(rule.description ?? ''),
    when: { ...when, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'],
    then: mask.value(rule.then),
  };
}

/** Writes the recording (the whole file, after each recorded call). */
function saveRecording(file: string, target: string, rules: Rule[]): void {
  const name =
    basename(file)
      .replace(/\.ya?ml$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+/, '') || 'recorded';
  const scenario = {
    name,
    description: `Traffic recorded by contract-mock proxy from ${target}; replays each answer once, in order.`,
    rules,
  };
  // The YAML writer is loaded when a recording is saved, not by `import ... from 'contract-mock'`.
  const { stringify: toYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  writePrivateFile(file, toYaml(scenario, { lineWidth: 0 }));
}

/** The forward stage's hook that records a call the upstream answered whole into `file`. */
export function trafficRecorder(
  file: string,
  target: string,
  contract: Contract,
  keepSecrets: boolean,
): NonNullable<ForwardOptions['onForwarded']> {
  const rules: Rule[] = [];
  const mask = keepSecrets ? undefined : new OutputMask(new SecretMask(undefined, contract.secretNames));
  return (call, up) => {
    const op = call.op;
    if (!op || !call.input) return;
    const { url } = requestTarget(call.req);
    const rule: Rule = {
      description: `${call.method} ${url} → ${up.status}${up.code ? ` (code ${up.code})` : ''}, recorded ${call.time}`,
      when: recordedWhen(op, call.pathname, call.input.query, call.input.body),
      then: recordedThen(up.status, up.contentType, up.text, up.body),
      times: 1,
    };
    rules.push(recordedRule(rule, mask));
    saveRecording(file, target, rules);
  };
}
