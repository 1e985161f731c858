/**
 * serve's `--spec` documents read, parsed and dereferenced on a worker thread while the main thread loads the mock's
 * own modules. Both cost about as much (a 30 KB YAML document: ~250 ms of YAML and $ref code loading and running
 * cold), so on two cores a served document adds little to start-up. loadSpec takes the prefetched document when
 * there is one and reads the file itself otherwise: for a URL, a large file, a file not prefetched, or when the
 * worker could not start. What the worker answers is the same SpecDocument (structured clone keeps shared and repeated
 * schemas as they are); a document's error is the same message either way.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isSpecUrl, loadServedSpec, type SpecDocument } from './load-specs.js';

/** What the worker posts per file. */
export type Prefetched = { file: string; doc: SpecDocument } | { file: string; error: string };

/**
 * Files above this size load on the main thread: for a document this large the clone back costs about what the
 * worker saved, and it is not the load of a few hundred ms this is for (GitHub's 13 MB document is JSON anyway).
 */
const MAX_PREFETCH_BYTES = 1024 * 1024;

/** Resolved path → what the worker answers (undefined when it could not; never rejects, so never unhandled). */
const pending = new Map<string, Promise<Prefetched | undefined>>();

/**
 * The `--spec` values of a `serve` command line (`--spec F` or `--spec=F`), read before commander parses it so the
 * worker starts ~50 ms sooner; `run`'s are taken once parsed (its child command's own flags are not ours to read).
 */
export function serveSpecsIn(argv: readonly string[]): string[] {
  if (argv[2] !== 'serve') return [];
  const out: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--spec' && argv[i + 1] !== undefined) out.push(argv[++i]!);
    else if (a.startsWith('--spec=')) out.push(a.slice('--spec='.length));
  }
  return out;
}

/**
 * Starts reading these files on a worker thread (URLs, large files and files already asked for are left out).
 * Resolves once the worker has answered or ended (nothing waits for it but tests).
 */
export function prefetchServedSpecs(files: readonly string[] = []): Promise<void> {
  const given = files.filter((f) => !isSpecUrl(f) && !pending.has(resolve(f)) && sizeOf(f) <= MAX_PREFETCH_BYTES);
  if (!given.length) return Promise.resolve();
  let worker: Worker;
  try {
    // The files as given: the worker's error messages name them as the main thread's would.
    worker = new Worker(new URL('./spec-worker.js', import.meta.url), { workerData: given });
  } catch {
    return Promise.resolve();
  }
  const paths = given.map((f) => resolve(f));
  const settle = new Map<string, (r: Prefetched | undefined) => void>();
  for (const p of paths) pending.set(p, new Promise((r) => settle.set(p, r)));
  const done = (r: Prefetched | undefined, p: string): void => {
    settle.get(p)?.(r);
    settle.delete(p);
  };
  worker.on('message', (r: Prefetched) => done(r, r.file));
  // The worker failed or ended early: what it did not answer is read on the main thread.
  const rest = (): void => {
    for (const p of [...settle.keys()]) done(undefined, p);
  };
  worker.on('error', rest);
  worker.on('exit', rest);
  return Promise.all(paths.map((p) => pending.get(p))).then(() => undefined);
}

/**
 * A `--spec` document, as loadServedSpec reads it: the worker's when this file was prefetched (taken once, so a
 * reload reads the file again), read here otherwise.
 */
export async function loadSpec(file: string): Promise<SpecDocument> {
  const path = resolve(file);
  const ahead = pending.get(path);
  pending.delete(path);
  const got = ahead && (await ahead);
  if (!got) return loadServedSpec(file);
  if ('error' in got) throw new Error(got.error);
  return got.doc;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return Infinity; // missing: the main thread says so, with the flag's name
  }
}
