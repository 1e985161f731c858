/** Test helpers: one compiled contract per test file, a mock per test with a fixed clock and seed. */
import { compileContract, type Contract } from '../../src/contract/compile-contract.js';
import { loadSpecs } from '../../src/contract/load-specs.js';
import { createMock, type Mock, type MockOptions } from '../../src/server/create-mock.js';
import { fixedClock } from '../../src/state/store.js';
import type { CallRecord } from '../../src/journal/call-record.js';

let contract: Promise<Contract> | undefined;

export function loadContract(): Promise<Contract> {
  return (contract ??= loadSpecs().then(compileContract));
}

/** 2018-07-18 15:08:43 in China, the document's own token example time minus 2 h. */
export const T0 = Date.UTC(2018, 6, 18, 7, 8, 43);

export async function testMock(
  options: Partial<MockOptions> = {},
): Promise<Mock & { calls: CallRecord[]; clock: ReturnType<typeof fixedClock> }> {
  const calls: CallRecord[] = [];
  const clock = fixedClock(T0);
  const mock = await createMock({
    contract: await loadContract(),
    clock,
    seed: 42,
    onCall: (r) => calls.push(r),
    log: () => {},
    ...options,
  });
  return Object.assign(mock, { calls, clock });
}

/** Every response the mock sent so far validated against its own spec. */
export function responseViolations(calls: CallRecord[]): Array<{ operationId: string | null; violations: unknown[] }> {
  return calls
    .map((c) => ({ operationId: c.operationId, violations: c.violations.filter((v) => v.side === 'response') }))
    .filter((c) => c.violations.length > 0);
}
