/**
 * Runs one API's verification flow, whatever the API: the steps its folder declares (src/apis/<api>/verify-flow.ts),
 * in order, each answer checked against the contract, the step's expected outcome and what it must show, and
 * the values it carries handed to the next steps. Knows nothing of any one API.
 */
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, JsonObject, Operation } from '../contract/types.js';
import type { FlowStart, VerifyFlow } from '../apis/verify-flow.js';
import type { CheckResult } from './check-result.js';
import { flowFailure, type Send } from './create-sender.js';

export interface FlowRun {
  api: ApiName;
  flow: VerifyFlow<unknown>;
  contract: Contract;
  send: Send;
  /** Called with each step's result as it comes. */
  record(result: CheckResult): void;
}

function operation(contract: Contract, api: ApiName, operationId: string): Operation {
  const op =
    contract.operations.find((o) => o.operationId === operationId && o.api === api) ??
    contract.operations.find((o) => o.operationId === operationId);
  if (!op) throw new Error(`${api} verify flow: the contract has no operation ${operationId}`);
  return op;
}

export async function runFlow({ api, flow, contract, send, record }: FlowRun, start: FlowStart): Promise<void> {
  let values = flow.start(start);
  for (const step of flow.steps) {
    const parts = { path: {}, query: {}, ...step.request(values) };
    const sent = await send(operation(contract, api, step.operationId), 'flow', `${api} flow: ${step.label}`, parts, {
      kind: 'outcome',
      key: step.expect,
    });
    const answer = (sent.body && typeof sent.body === 'object' ? sent.body : {}) as JsonObject;
    const problem = sent.answered ? step.check?.(answer, values) : undefined;
    if (problem) {
      sent.result.failures.push(flowFailure(problem));
      sent.result.ok = false;
    }
    record(sent.result);
    if (step.carry) values = { ...(values as object), ...(step.carry(answer, values) as object) };
  }
}

/** How many checks a flow adds to a run: one per step. */
export const flowLength = (flow: VerifyFlow<unknown> | undefined): number => flow?.steps.length ?? 0;
