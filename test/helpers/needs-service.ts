/**
 * Tests that need a program the machine may lack (chromium, redis-server): on a developer's machine they are
 * skipped with a message; under CI (CI set, as .ci/run does) they run and fail, so nothing vanishes silently.
 */
export interface NeededService {
  /** Skip the tests: the service is missing and this is not CI. */
  skip: boolean;
  available: boolean;
  /** Call in the tests' beforeEach, so each test fails (and counts as failed) when the service is missing. */
  assertAvailable(): void;
}

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function needsService(
  file: string,
  available: boolean,
  missing: string,
  env: NodeJS.ProcessEnv = process.env,
): NeededService {
  const ci = inCi(env);
  if (!available && !ci) console.warn(`${file} skipped: ${missing}`);
  return {
    skip: !available && !ci,
    available,
    assertAvailable() {
      if (!available)
        throw new Error(`${file}: ${missing}. Under CI a missing service fails the tests instead of skipping them.`);
    },
  };
}
