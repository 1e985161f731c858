/** `contract-mock proxy`: a validating proxy in front of a real server. */
import { loadContract } from '../contract/contract-cache.js';
import { createProxy } from '../verify/proxy.js';
import { httpUrl, listenOrExplain, outputFile, secretOption, usageError } from './cli-checks.js';
import { refuseExposedHost } from './exposed-host.js';

export interface ProxyCommandOptions {
  target: string;
  port: string;
  host: string;
  record?: string;
  journal?: string;
  maxBody: string;
  maxHeld: string;
  spec?: string[];
  keepSecrets?: boolean;
  adminToken?: string;
  adminTokenFile?: string;
  corsOrigin: string[];
  allowHost: string[];
}

export async function proxyCommand(options: ProxyCommandOptions): Promise<void> {
  httpUrl('proxy', '--target', options.target);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    usageError('proxy', `--port must be 0-65535, got ${options.port}`);
  if (options.record) outputFile('proxy', '--record', options.record);
  if (options.journal) outputFile('proxy', '--journal', options.journal);
  const adminToken = secretOption('proxy', {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  refuseExposedHost(options.host, adminToken, 'proxy');
  if (options.keepSecrets && options.record) {
    console.error(
      `contract-mock proxy: warning: --keep-secrets: ${options.record} will hold the secrets, passwords and tokens of the recorded traffic in clear (readable by this user only); do not commit it or upload it as a CI artifact`,
    );
  }
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) usageError('proxy', `${name} must be a whole number above 0, got ${value}`);
    return n;
  };
  const maxBodyBytes = positive('--max-body', options.maxBody);
  const maxHeld = positive('--max-held', options.maxHeld);
  const contract = await loadContract(options.spec ?? []).catch((e: Error) => usageError('proxy', e.message));
  const proxy = createProxy({
    contract,
    target: options.target,
    record: options.record,
    maxBodyBytes,
    maxHeld,
    keepSecrets: options.keepSecrets,
    journal: options.journal ? { file: options.journal } : undefined,
    guard: { adminToken, corsOrigins: options.corsOrigin, allowHosts: options.allowHost, listenHost: options.host },
  });
  listenOrExplain('proxy', proxy.server, port, options.host, () => {
    const { port } = proxy.server.address() as { port: number };
    console.log(
      `contract-mock proxy listening on http://${options.host}:${port} → ${options.target}${options.record ? ` (recording to ${options.record})` : ''}`,
    );
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
