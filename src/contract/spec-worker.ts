/** The worker thread of spec-prefetch.ts: loads each file it is given and posts the document or its error. */
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadServedSpec } from './load-specs.js';
import type { Prefetched } from './spec-prefetch.js';

for (const file of workerData as string[]) {
  let out: Prefetched;
  try {
    out = { file: resolve(file), doc: await loadServedSpec(file) };
  } catch (e) {
    out = { file: resolve(file), error: (e as Error).message };
  }
  parentPort?.postMessage(out);
}
