/** `contract-mock lint`: prints file:line messages and exits 1 when any is an error. */
import { lintSpecs } from '../contract/lint-specs.js';

export async function lintCommand(options: { spectral: boolean }): Promise<void> {
  const messages = await lintSpecs({ spectral: options.spectral });
  for (const m of messages) console.log(`${m.file}:${m.line} ${m.severity} ${m.rule} ${m.pointer ? `${m.pointer} ` : ''}${m.message}`);
  const errors = messages.filter((m) => m.severity === 'error').length;
  console.log(errors ? `lint: ${errors} error(s), ${messages.length - errors} warning(s)` : `lint: specs OK (${messages.length} warning(s))`);
  process.exitCode = errors ? 1 : 0;
}
