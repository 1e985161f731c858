/** `contract-mock serve`: starts the mock and stops it cleanly on SIGINT / SIGTERM. */
import { startMock } from '../mock/create-server.js';

export interface ServeOptions {
  port: string;
  host: string;
  scenario: string[];
  state?: string;
  journal?: string;
  adminToken?: string;
  seed: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export async function serveCommand(options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`contract-mock: --port must be 0-65535, got ${options.port}`);
    process.exit(2);
  }
  if (!LOOPBACK.test(options.host) && !options.adminToken) {
    console.error(
      `contract-mock: refusing to bind ${options.host} without --admin-token: anyone on that network could reset or read the mock.\n` +
        `Fix: add --admin-token SOME-SECRET (clients send "Authorization: Bearer SOME-SECRET" to /__mock), or bind --host 127.0.0.1.`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const mock = await startMock({
    seed: Number(options.seed),
    adminToken: options.adminToken,
    journal: options.journal ? { file: options.journal } : undefined,
    activeScenarios: options.scenario,
    watchScenarios: true,
  }).catch((e: Error) => {
    console.error(`contract-mock: ${e.message}`);
    process.exit(2);
  });
  mock.server.listen(port, options.host, () => {
    const address = mock.server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    console.log(
      `contract-mock listening on http://${host}:${actual} (${mock.contract.apis.size} APIs, ${mock.contract.operations.length} operations, ready in ${Math.round(performance.now() - started)} ms)`,
    );
  });
  const stop = (signal: string): void => {
    console.log(`contract-mock: ${signal}, closing`);
    mock.close();
    mock.server.close(async () => {
      await mock.pipeline.settled();
      await mock.journal.close();
      process.exit(0);
    });
    mock.server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
