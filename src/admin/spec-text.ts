/**
 * The served documents as text (`GET /__mock/specs/{api}`), rendered once per API, mode and format and kept:
 * a 4,000-operation document takes seconds to write as YAML, which a client could otherwise make the mock do
 * on every call. YAML is written in a worker thread, so even the first request never stalls other clients.
 * The text holds a placeholder where the mock's own URL goes; each answer puts in the URL its client used.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ApiContract } from '../contract/compile-contract.js';
import { servedSpec, type HttpStatusMode } from '../contract/served-spec.js';

/** Stands for the mock's base URL in a cached text; `.invalid` can name no real host (RFC 6761). */
const PLACEHOLDER = 'http://contract-mock-base-url.invalid';
/** A base URL that can go into JSON and YAML text as it is: the Host header passed the mock's host check, but say so here too. */
const PLAIN_URL = /^https?:\/\/[A-Za-z0-9.:[\]_-]+$/;

/** Turns JSON text into YAML off the event loop: `yaml` is loaded by path, so it resolves wherever the package is installed. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { stringify } = require(workerData.yamlPath);
parentPort.postMessage(stringify(JSON.parse(workerData.json), { lineWidth: 0 }));
`;

function yamlOf(json: string): Promise<string> {
  const yamlPath = createRequire(import.meta.url).resolve('yaml');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { json, yamlPath } });
    worker.once('message', (text: string) => {
      resolve(text);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the YAML worker stopped (exit ${code})`)));
  });
}

export type SpecFormat = 'json' | 'yaml';

export class SpecTexts {
  private readonly texts = new Map<string, Promise<string>>();

  constructor(private readonly mode: HttpStatusMode) {}

  /** The document of `api` as text in `format`, with `servers` pointing at `baseUrl`. */
  async text(api: ApiContract, baseUrl: string, format: SpecFormat): Promise<string> {
    // A base URL the text could not hold as it is (never seen past the host check) is rendered afresh.
    if (!PLAIN_URL.test(baseUrl)) {
      const json = JSON.stringify(servedSpec(api, baseUrl, this.mode), null, 2);
      return format === 'json' ? json : yamlOf(json);
    }
    const key = `${api.api}\u0000${format}`;
    let text = this.texts.get(key);
    if (!text) {
      text =
        format === 'json'
          ? Promise.resolve(JSON.stringify(servedSpec(api, PLACEHOLDER, this.mode), null, 2))
          : this.text(api, PLACEHOLDER, 'json').then(yamlOf);
      // A failed rendering is tried again on the next request rather than kept.
      text.catch(() => this.texts.delete(key));
      this.texts.set(key, text);
    }
    return (await text).replace(PLACEHOLDER, () => baseUrl);
  }
}
