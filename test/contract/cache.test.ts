/** The build-time contract cache answers exactly as the contract compiled at start-up, and is ignored once a spec changes. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildContractCache, ensureContractCache, loadCachedContract } from '../../src/contract/contract-cache.js';
import { defaultSpecsDir } from '../../src/contract/load-specs.js';
import { validateRequest, validateResponse } from '../../src/contract/validate-request.js';
import { exampleSites } from '../../src/contract/lint-specs.js';
import { negativeCases, generatedCases, exampleCases, toRequest } from '../../src/verify/build-requests.js';
import { loadContract } from '../helpers/mock.js';

const compiled = await loadContract();

describe('contract cache', () => {
  test('validates every derived request and documented response exactly as the compiled contract does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-cache-'));
    await buildContractCache(dir);
    const cached = loadCachedContract(dir)!;
    expect(cached).toBeDefined();
    expect(cached.operations.map((o) => o.operationId)).toEqual(compiled.operations.map((o) => o.operationId));
    let compared = 0;
    for (const op of compiled.operations) {
      const twin = cached.operations.find((o) => o.operationId === op.operationId)!;
      const cases = [...exampleCases(op), ...generatedCases(op, 5, 11), ...negativeCases(op)];
      for (const c of cases) {
        const r = toRequest(op, c.parts);
        const [path, search = ''] = r.path.split('?');
        const raw = {
          method: r.method,
          search,
          params: Object.fromEntries(Object.entries(c.parts.path).map(([k, v]) => [k, String(v)])),
          contentType: r.headers['content-type'],
          body: r.body,
        };
        expect(validateRequest(twin, raw).violations, `${op.operationId} ${c.name} ${path}`).toEqual(
          validateRequest(op, raw).violations,
        );
        compared++;
      }
    }
    for (const api of compiled.apis.values()) {
      for (const site of exampleSites(api.spec.document).filter((s) => s.pointer.includes('/responses/'))) {
        const opId = compiled.operations.find((o) =>
          site.pointer.startsWith(`/paths/${o.path.replace(/\//g, '~1')}/${o.method.toLowerCase()}/`),
        )!.operationId;
        const a = validateResponse(
          compiled.operations.find((o) => o.operationId === opId)!,
          site.value,
        );
        const b = validateResponse(
          cached.operations.find((o) => o.operationId === opId)!,
          site.value,
        );
        expect(b).toEqual(a);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  });

  test('a spec edited after the build makes the cache stale: it is not used', async () => {
    const specs = mkdtempSync(join(tmpdir(), 'cm-cache-specs-'));
    for (const n of ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'])
      copyFileSync(join(defaultSpecsDir(), `${n}.openapi.yaml`), join(specs, `${n}.openapi.yaml`));
    const dir = mkdtempSync(join(tmpdir(), 'cm-cache-'));
    await buildContractCache(dir, specs);
    expect(loadCachedContract(dir, specs)).toBeDefined();
    const file = join(specs, 'wx-push.openapi.yaml');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n# edited\n');
    expect(loadCachedContract(dir, specs)).toBeUndefined();
  });

  test('the build skips a cache made from the same specs and code, and rebuilds it after an edit', async () => {
    const specs = mkdtempSync(join(tmpdir(), 'cm-cache-specs-'));
    for (const n of ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'])
      copyFileSync(join(defaultSpecsDir(), `${n}.openapi.yaml`), join(specs, `${n}.openapi.yaml`));
    const dir = mkdtempSync(join(tmpdir(), 'cm-cache-'));
    expect(await ensureContractCache(dir, specs)).toBe('built');
    expect(await ensureContractCache(dir, specs)).toBe('current');
    const file = join(specs, 'wuhan-eduyun.openapi.yaml');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n# edited\n');
    expect(await ensureContractCache(dir, specs)).toBe('built');
    expect(loadCachedContract(dir, specs)).toBeDefined();
  });
});
