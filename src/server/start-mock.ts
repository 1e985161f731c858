/**
 * The mock for scripts and test runners (`import { startMock } from 'contract-mock'`): options checked, the built-in
 * contract by default, and `startMock` resolving once it listens, with its URL. How the mock works is create-server.ts's.
 */
import type { AddressInfo } from 'node:net';
import type { Contract } from '../contract/compile-contract.js';
import { loadContract } from '../contract/contract-cache.js';
import { checkMockOptions } from './check-mock-options.js';
import { createMock as assemble, type Mock, type MockOptions } from './create-mock.js';

/** What `createMock` takes: every MockOptions, the contract optional (default: the four built-in APIs plus `specFiles`). */
export interface CreateMockOptions extends Omit<MockOptions, 'contract'> {
  contract?: Contract;
  /** OpenAPI 3.0/3.1 documents served besides the built-in APIs (serve --spec). */
  specFiles?: readonly string[];
}

/** What `startMock` takes: createMock's options plus where to listen. */
export interface StartMockOptions extends CreateMockOptions {
  /** Default 0: a free port, read it from `url`. */
  port?: number;
  /** Default 127.0.0.1; an address off loopback needs `adminToken`, as `serve` does. */
  host?: string;
}

/** A listening mock: `url` to call, `close()` to stop it (in-flight calls finish, the journal and state are flushed). */
export interface RunningMock extends Omit<Mock, 'close'> {
  /** http://HOST:PORT, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Builds the mock without listening: use `listener` with supertest, or listen on `server` yourself. */
export async function createMock(options: CreateMockOptions = {}): Promise<Mock> {
  checkMockOptions('createMock', options, (name) => name !== 'port' && name !== 'host');
  const { specFiles, ...rest } = options;
  return assemble({ ...rest, contract: options.contract ?? (await loadContract(specFiles)) });
}

/** Builds the mock and resolves once it listens; rejects (and cleans up) when it cannot, saying why. */
export async function startMock(options: StartMockOptions = {}): Promise<RunningMock> {
  checkMockOptions('startMock', options);
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  if (!LOOPBACK.test(host) && !options.adminToken)
    throw new TypeError(
      `startMock: host ${host} is off loopback: pass adminToken too, or anyone on that network could reset or read the mock`,
    );
  const mock = await createMock({ listenHost: host, ...rest });
  const listening = await new Promise<AddressInfo | NodeJS.ErrnoException>((resolve) => {
    mock.server.once('error', resolve);
    mock.server.listen(port, host, () => {
      mock.server.off('error', resolve);
      resolve(mock.server.address() as AddressInfo);
    });
  });
  if (listening instanceof Error) {
    await mock.shutdown(0);
    const why =
      listening.code === 'EADDRINUSE'
        ? 'is already in use (pass port: 0 for a free one)'
        : `cannot be listened on (${listening.code ?? listening.message})`;
    throw new Error(`startMock: port ${port} on ${host} ${why}`);
  }
  const shownHost = listening.address.includes(':') ? `[${listening.address}]` : listening.address;
  const { close: _close, ...parts } = mock;
  return {
    ...parts,
    // The contract in use now (a watched --spec file may have been reloaded since), not the one at start.
    get contract() {
      return mock.contract;
    },
    url: `http://${shownHost}:${listening.port}`,
    port: listening.port,
    close: () => mock.shutdown(),
  };
}
