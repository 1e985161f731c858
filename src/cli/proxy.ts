/** `contract-mock proxy`: a validating proxy in front of a real server. */
import { loadContract } from '../contract/contract-cache.js';
import { createProxy } from '../verify/proxy.js';

export interface ProxyCommandOptions {
  target: string;
  port: string;
  host: string;
  record?: string;
  journal?: string;
  spec?: string[];
}

export async function proxyCommand(options: ProxyCommandOptions): Promise<void> {
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => {
    console.error(`contract-mock proxy: ${e.message}`);
    process.exit(2);
  });
  const proxy = createProxy({ contract, target: options.target, record: options.record, journal: options.journal ? { file: options.journal } : undefined });
  proxy.server.listen(Number(options.port), options.host, () => {
    const { port } = proxy.server.address() as { port: number };
    console.log(`contract-mock proxy listening on http://${options.host}:${port} → ${options.target}${options.record ? ` (recording to ${options.record})` : ''}`);
  });
  const stop = (): void => {
    proxy.server.close(async () => {
      await proxy.journal.close();
      process.exit(0);
    });
    proxy.server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
