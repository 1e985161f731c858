/** The `contract-mock` command line: builds the program (program.ts) and parses the arguments. Nothing else lives here. */
import { readFileSync } from 'node:fs';
import { buildProgram } from './program.js';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
await buildProgram({ version, env: process.env }).parseAsync(process.argv);
