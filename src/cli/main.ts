/** The `contract-mock` command line: builds the program (program.ts) and parses the arguments. Nothing else lives here. */
import { readFileSync } from 'node:fs';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
// serve's documents start loading on a worker thread first, while commander and serve's modules load.
if (process.argv[2] === 'serve' && process.argv.some((a) => a.startsWith('--spec'))) {
  const { prefetchServedSpecs, serveSpecsIn } = await import('../contract/spec-prefetch.js');
  void prefetchServedSpecs(serveSpecsIn(process.argv));
}
const { buildProgram } = await import('./program.js');
await buildProgram({ version, env: process.env }).parseAsync(process.argv);
