// Types of corpus-calls.mjs for the TypeScript suite (test/corpus/).
export interface CorpusCall {
  /** `GET /things/{id}` as the document writes it. */
  operation: string;
  method: string;
  /** The path template filled in, with its query string; without the server's mount. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A GET of one item: the path's last segment is one parameter. */
  item: boolean;
}
export interface CorpusResult {
  call: CorpusCall;
  /** 0 when no answer came. */
  status: number;
  answer: string;
}
export interface CorpusTally {
  calls: number;
  ok: number;
  items: number;
  itemsOk: number;
  serverErrors: number;
  unanswered: number;
}
export function corpusSample(): { documents: string[]; more: string[]; giants: string[] };
export function corpusName(file: string): string;
export function corpusCalls(doc: unknown, seed?: number): CorpusCall[];
export function sendCalls(
  base: string,
  mount: string,
  calls: CorpusCall[],
  timeoutMs?: number,
): Promise<CorpusResult[]>;
export function tally(results: CorpusResult[]): CorpusTally;
export function percent(part: number, whole: number): string;
