/**
 * Which packages a script loads: `body` runs as an ES module in a fresh node (from the checkout's root, so it imports
 * `./dist/...`), then reports which of `packages` are in the module cache, beside what it returned. A package loads
 * through that cache whether it is imported or required (express, ioredis and yaml are CommonJS under node).
 */
import { spawnSync } from 'node:child_process';

export interface Loaded {
  /** What `body` returned (it may `return` a JSON-able value). */
  result: unknown;
  /** Each package: whether a file of it was loaded. */
  packages: Record<string, boolean>;
  stderr: string;
}

export function packagesLoadedBy(body: string, packages: readonly string[]): Loaded {
  const script = `
    import { createRequire } from 'node:module';
    const result = await (async () => { ${body} })();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    const packages = Object.fromEntries(
      ${JSON.stringify(packages)}.map((p) => [p, loaded.some((f) => f.includes('/node_modules/' + p + '/'))]),
    );
    console.log(JSON.stringify({ result, packages }));
    process.exit(0);
  `;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const parsed = out.stdout ? (JSON.parse(out.stdout) as Omit<Loaded, 'stderr'>) : { result: undefined, packages: {} };
  return { ...parsed, stderr: out.stderr };
}
