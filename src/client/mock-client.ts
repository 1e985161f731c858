/**
 * MockClient: a typed client of the admin API for test scripts (`import { MockClient } from 'contract-mock/client'`).
 * Every call is scoped to the client's session; `withSession(id)` gives a client for another one.
 */
// Types only from modules that need no node types, so a browser or plain-TS project can use these declarations.
import type { CallFilter, CallRecord } from '../journal/call-record.js';
import type { VerificationResult, VerifyRequest } from '../journal/verify-calls.js';

export type { CallRecord, CallFilter, VerificationResult, VerifyRequest };

export interface MockClientOptions {
  /** `X-Mock-Session` for every call; default `default`. */
  session?: string;
  /** Bearer token when the mock runs with `--admin-token`. */
  adminToken?: string;
}

/** An admin-API error: the problem+json the mock answered. */
export class MockClientError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string } | undefined,
    where: string,
  ) {
    super(
      `${where} → ${status}${problem?.title ? ` ${problem.title}` : ''}${problem?.detail ? `: ${problem.detail}` : ''}`,
    );
    this.name = 'MockClientError';
  }
}

export class MockClient {
  readonly baseUrl: string;
  readonly session: string;
  private readonly adminToken?: string;

  constructor(baseUrl = 'http://127.0.0.1:4010', options: MockClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.session = options.session ?? 'default';
    this.adminToken = options.adminToken;
  }

  /** A client for another session on the same mock. */
  withSession(id: string): MockClient {
    return new MockClient(this.baseUrl, { session: id, adminToken: this.adminToken });
  }

  /** Headers to send with your own API calls so they land in this client's session. */
  get headers(): Record<string, string> {
    return { 'X-Mock-Session': this.session };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, body)).body;
  }

  /** An admin-API call: its parsed body and the answer's headers. */
  private async exchange<T>(method: string, path: string, body?: unknown): Promise<{ body: T; headers: Headers }> {
    const headers: Record<string, string> = { 'X-Mock-Session': this.session, accept: 'application/json' };
    if (this.adminToken) headers['authorization'] = `Bearer ${this.adminToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}/__mock${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok)
      throw new MockClientError(res.status, parsed as { title?: string; detail?: string }, `${method} /__mock${path}`);
    return { body: parsed as T, headers: res.headers };
  }

  private static query(filter: CallFilter = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined && k !== 'violationsOnly') q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  health(): Promise<{
    status: string;
    apis: Array<{ name: string; operations: string[] }>;
    journal: Record<string, unknown>;
  }> {
    return this.request('GET', '/health');
  }

  /** This session's calls, oldest first. */
  calls(filter?: CallFilter): Promise<CallRecord[]> {
    return this.request('GET', `/calls${MockClient.query(filter)}`);
  }

  /**
   * This session's calls, oldest first, and how many records of it the journal lost to its caps since it was last
   * cleared (`X-Mock-Journal-Lost`): when `lost` is not 0, the calls are not all the session made.
   */
  async journal(filter?: CallFilter): Promise<{ calls: CallRecord[]; lost: number }> {
    const { body, headers } = await this.exchange<CallRecord[]>('GET', `/calls${MockClient.query(filter)}`);
    return { calls: body, lost: Number(headers.get('x-mock-journal-lost') ?? 0) || 0 };
  }

  clearCalls(): Promise<{ cleared: number }> {
    return this.request('DELETE', '/calls');
  }

  /** This session's calls whose request or response broke the contract. */
  violations(filter?: CallFilter): Promise<CallRecord[]> {
    return this.request('GET', `/violations${MockClient.query(filter)}`);
  }

  /** `{ operationId, count | atLeast | atMost, where }` → `{ ok, matched, expected, nearMisses? }`. */
  verify(request: VerifyRequest): Promise<VerificationResult> {
    return this.request('POST', '/verify', request);
  }

  /** Back to the seed: state, journal, scenarios and clock of this session. */
  reset(): Promise<void> {
    return this.request('POST', '/reset');
  }

  advanceClock(seconds: number): Promise<{ now: number; formatted: string }> {
    return this.request('POST', '/clock', { advanceSeconds: seconds });
  }

  state(): Promise<Record<string, unknown>> {
    return this.request('GET', '/state');
  }

  /** Seeds records, e.g. `{ 'platform-sync': { apps: [{ appid: 'a', secret: 's' }] } }`. */
  seed(records: Record<string, Record<string, unknown[]>>): Promise<Record<string, unknown>> {
    return this.request('POST', '/state', records);
  }

  scenarios(): Promise<{ available: unknown[]; active: unknown[] }> {
    return this.request('GET', '/scenarios');
  }

  activateScenario(name: string): Promise<unknown> {
    return this.request('POST', '/scenarios/active', { name });
  }

  deactivateScenario(name: string): Promise<unknown> {
    return this.request('DELETE', `/scenarios/active/${encodeURIComponent(name)}`);
  }
}
