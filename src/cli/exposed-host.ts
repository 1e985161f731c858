/** The one rule `serve` and `proxy` share before binding: an address off loopback needs --admin-token. */

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

/** Exits 2 with the fix when `host` is not loopback and no admin token was given. */
export function refuseExposedHost(host: string, adminToken: string | undefined, command = 'serve'): void {
  if (LOOPBACK.test(host) || adminToken) return;
  console.error(
    `contract-mock: refusing to bind ${host} without --admin-token: anyone on that network could reset or read the ${command === 'proxy' ? 'proxy' : 'mock'}.\n` +
      `Fix: add --admin-token SOME-SECRET (or set CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file FILE, which ps does not show; clients send "Authorization: Bearer SOME-SECRET" to /__mock), or bind --host 127.0.0.1.`,
  );
  process.exit(2);
}
