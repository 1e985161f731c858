/**
 * The `contract-mock` command-line program as commander objects: every command, argument and option with its
 * description and default. Builds it, never parses or runs it (main.ts does); docs/reference/cli.md is rendered from it.
 */
import { Command, Option } from 'commander';
import { collect, serveOptions } from './serve-options.js';
// Each command loads its own modules when it runs, so `serve` starts without the lint, verify or proxy code.

function addServe(program: Command, env: NodeJS.ProcessEnv): void {
  serveOptions(
    program.command('serve').description('serve all four APIs on one port (in memory unless --state)'),
    new Option('--port <port>', 'port to listen on (PORT env when absent)').default(env['PORT'] ?? '4010'),
  ).action(async (_o, cmd: Command) => {
    await prefetch(cmd);
    (await import('./config-file.js')).applyConfigFile('serve', cmd, { port: 'PORT' });
    await prefetch(cmd);
    await (await import('./serve.js')).serveCommand(cmd.opts());
  });
}

/**
 * Starts reading the command's --spec documents on a worker thread while serve's own modules load
 * (spec-prefetch.ts). Called before the config file is applied and again after it: the second call starts only the
 * config's documents (files already asked for are left out).
 */
async function prefetch(cmd: Command): Promise<void> {
  const { prefetchServedSpecs } = await import('../contract/spec-prefetch.js');
  void prefetchServedSpecs((cmd.opts() as { spec?: string[] }).spec ?? []);
}

function addRun(program: Command): void {
  serveOptions(
    program
      .command('run')
      .argument(
        '<command...>',
        'the command to run, its options its own (no shell: write sh -c "..." for one); -- before it is optional',
      )
      .passThroughOptions()
      .description(
        'serve the mock, run a command with CONTRACT_MOCK_URL set, report on the sessions it used (like report), stop; exit with its code (1 if it passed but broke the contract)',
      ),
    new Option('--port <port>', 'port to listen on').default('0', 'a free port'),
  )
    .option('--junit <file>', 'write a JUnit XML report over every session the command used')
    .option('--json <file>', 'write a JSON report over every session the command used')
    .option(
      '--keep-secrets',
      'write the table, --json and --junit without masking secrets (by default they are masked; the files are 0600 either way)',
    )
    .option(
      '--allow-empty',
      "exit with the command's code when it made no calls (by default that is a warning and exit 1)",
    )
    .option(
      '--fail-on-document-faults',
      "exit 1 also when a served document's own example broke its own schema (listed apart; by default not the client's failure)",
    )
    .action(async (argv: string[], _o, cmd: Command) => {
      await prefetch(cmd);
      (await import('./config-file.js')).applyConfigFile('run', cmd);
      await prefetch(cmd);
      await (await import('./run.js')).runCommand(argv, cmd.opts());
    });
}

function addLint(program: Command): void {
  program
    .command('lint')
    .argument('[paths...]', 'scenario files or folders to check (default: the built-in scenarios/)')
    .description(
      'validate the specs (OpenAPI 3.1, spectral:oas, examples, conventions) and scenario files; exit 1 on errors',
    )
    .option(
      '--scenarios <dir>',
      "check your project's scenario folder (repeatable): every file, and no name taken by a built-in; the shipped specs are not re-linted",
      collect,
      [],
    )
    .option('--no-spectral', 'skip the Spectral ruleset')
    .option(
      '--strict',
      'fail (exit 1) when a check could not run: Spectral is not a runtime dependency; install @stoplight/spectral-cli in your project',
    )
    .option(
      '--spec <file>',
      'also lint this OpenAPI 3.0/3.1 document (a file or an http(s) URL) as serve --spec would serve it (repeatable)',
      collect,
      [],
    )
    .action(async (paths, o) => (await import('./lint.js')).lintCommand(paths, o));
}

function addReport(program: Command): void {
  program
    .command('report')
    .description("read a running mock's journal and print contract violations grouped by operation; exit 1 if any")
    .option('--url <url>', 'the mock', 'http://127.0.0.1:4010')
    .option('--session <id>', 'X-Mock-Session to report on', 'default')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json <file>', 'write a JSON report')
    .option(
      '--admin-token <token>',
      'bearer token of a mock started with --admin-token (or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option(
      '--admin-token-file <file>',
      'read the bearer token from FILE (trailing newline trimmed), so it does not show in ps',
    )
    .option(
      '--keep-secrets',
      'write --json/--junit without masking secrets (by default they are masked; the files are 0600 either way)',
    )
    .option('--allow-empty', 'exit 0 for a session with no calls (by default that is a warning and exit 1)')
    .option(
      '--fail-on-document-faults',
      "exit 1 also when a served document's own example broke its own schema (listed apart; by default not the client's failure)",
    )
    .action(async (o) => (await import('./report.js')).reportCommand(o));
}

function addVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'provider verification: send contract-derived requests and stateful flows to a server; exit 1 on any failure',
    )
    .requiredOption('--target <url>', 'the server to verify, e.g. https://staging.example.cn')
    .option('--api <name>', 'only this API (repeatable)', collect, [])
    .option(
      '--spec <file>',
      'also verify the API of this OpenAPI 3.0/3.1 document (repeatable; --api takes its name)',
      collect,
      [],
    )
    .option('--junit <file>', 'write a JUnit XML report (one testcase per check)')
    .option('--json <file>', 'write a JSON report')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option('--seed <n>', 'seed for generated requests (same seed, same requests)', '1')
    .option('--generated <n>', 'schema-generated requests per operation', '3')
    .option('--config <file>', 'YAML/JSON with appid, secret, wuhanToken, orgId for a real target')
    .option('--appid <id>', 'platform-sync appid (default demo-app)')
    .option(
      '--secret <secret>',
      'platform-sync secret (default demo-secret; or $CONTRACT_MOCK_SECRET, or --secret-file)',
    )
    .option(
      '--secret-file <file>',
      'read the platform-sync secret from FILE (trailing newline trimmed), so it does not show in ps',
    )
    .option(
      '--wuhan-token <token>',
      'wuhan-eduyun access_token (default demo-token; or $CONTRACT_MOCK_WUHAN_TOKEN, or --wuhan-token-file)',
    )
    .option('--wuhan-token-file <file>', 'read the wuhan-eduyun access_token from FILE (trailing newline trimmed)')
    .option('--org-id <id>', 'wuhan-eduyun org_id the token can read (default demo-org)')
    .option('--timeout <ms>', 'per-request timeout', '10000')
    .option(
      '--keep-secrets',
      'write --json/--junit and the summary without masking the secrets and tokens (by default they are masked; the files are 0600 either way)',
    )
    .option(
      '--pact <file>',
      'replay this Pact file (contract-mock pact writes them) instead of the contract checks (repeatable)',
      collect,
      [],
    )
    .option(
      '--provider-states <url>',
      "with --pact: the target's provider-state endpoint (default TARGET/__mock/pact/states)",
    )
    .option(
      '--admin-token <token>',
      'with --pact: bearer token for the state endpoint of a mock started with --admin-token (or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option('--admin-token-file <file>', 'with --pact: read that bearer token from FILE (trailing newline trimmed)')
    .action(async (o) =>
      o.pact.length
        ? (await import('./verify-pact.js')).verifyPactCommand(o)
        : (await import('./verify.js')).verifyCommand(o),
    );
}

function addProxy(program: Command): void {
  program
    .command('proxy')
    .description(
      'forward to a real server, validate both directions, journal like serve, optionally record a replayable scenario',
    )
    .requiredOption('--target <url>', 'the real server')
    .option('--port <port>', 'port to listen on', '4011')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--record <file>', 'write the traffic as a scenario file (replays each answer once, in order)')
    .option('--spec <file>', 'also validate traffic of this OpenAPI 3.0/3.1 document (repeatable)', collect, [])
    .option('--journal <file>', 'also append every call record to FILE as NDJSON')
    .option(
      '--max-body <bytes>',
      'largest request body forwarded; an upstream answer larger than this is relayed as it streams, journaled as too large to validate',
      String(10 * 1024 * 1024),
    )
    .option(
      '--max-held <n>',
      'most calls in flight at once; the rest are answered at once with the server-error envelope',
      '256',
    )
    .option(
      '--keep-secrets',
      'record secrets and tokens as they were sent, for a recording meant to replay real credentials (by default they are masked; the file is 0600 either way)',
    )
    .option(
      '--admin-token <token>',
      'require "Authorization: Bearer TOKEN" on /__mock (required off loopback; or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option(
      '--admin-token-file <file>',
      'read the admin token from FILE (trailing newline trimmed), so it does not show in ps',
    )
    .option('--cors-origin <origin>', "grant the admin API's CORS to this origin too (repeatable)", collect, [])
    .option(
      '--allow-host <host>',
      'answer admin requests addressed to this host name too (repeatable; see serve --help for the risk)',
      collect,
      [],
    )
    .action(async (o) => (await import('./proxy.js')).proxyCommand(o));
}

function addPact(program: Command): void {
  program
    .command('pact')
    .description("write Pact v4 contracts (one per API) from a session's journal or an NDJSON journal file")
    .requiredOption('--consumer <name>', 'the consumer (your client) named in the pact')
    .option(
      '--provider <name>',
      'the provider named in the pact; an API name picks that API (default: one pact per API, named after it)',
    )
    .option('--url <url>', 'a running mock whose journal to read (with --session)')
    .option(
      '--session <id>',
      'X-Mock-Session whose calls to read (with --url, default: default; with --journal, default: every session)',
    )
    .option(
      '--journal <file>',
      'read the calls from an NDJSON journal file (serve --journal, GET /__mock/calls.ndjson)',
    )
    .option('--out <path>', 'a folder for CONSUMER-PROVIDER.json files, or one FILE.json', 'pacts')
    .option(
      '--admin-token <token>',
      'bearer token of a mock started with --admin-token (or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option('--admin-token-file <file>', 'read the bearer token from FILE (trailing newline trimmed)')
    .action(async (o) => (await import('./pact.js')).pactCommand(o));
}

function addDiff(program: Command): void {
  program
    .command('diff')
    .argument('<old>', 'the document as your client knows it (OpenAPI 3.x, YAML or JSON)')
    .argument('<new>', 'the next version of the document')
    .description(
      'changes between two versions of a document, breaking ones marked used / not used by recorded calls; exit 1 on a used breaking change',
    )
    .option('--url <url>', 'narrow to the calls a running mock journaled (with --session)')
    .option(
      '--session <id>',
      'X-Mock-Session whose calls to read (with --url, default: default; with --journal, default: every session)',
    )
    .option(
      '--journal <file>',
      'narrow to the calls of an NDJSON journal file (serve --journal, GET /__mock/calls.ndjson)',
    )
    .option('--json <file>', 'write a JSON report')
    .option('--junit <file>', 'write a JUnit XML report (one testcase per change)')
    .option('--strict', 'exit 1 on any breaking change, used or not')
    .option(
      '--admin-token <token>',
      'bearer token of a mock started with --admin-token (or $CONTRACT_MOCK_ADMIN_TOKEN, or --admin-token-file)',
    )
    .option('--admin-token-file <file>', 'read the bearer token from FILE (trailing newline trimmed)')
    .action(async (oldFile, newFile, o) => (await import('./diff.js')).diffCommand(oldFile, newFile, o));
}

/** `version` is the package's; `env` gives serve's --port default (PORT), so the reference page renders without it. */
export function buildProgram({ version, env }: { version: string; env: NodeJS.ProcessEnv }): Command {
  const program = new Command();
  program
    .name('contract-mock')
    .description(
      'Contract-test mock server for platform-sync, wuhan-eduyun, ios-datasyn and wx-push, driven by their OpenAPI 3.1 contracts',
    )
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError('(contract-mock --help lists the commands; contract-mock COMMAND --help their options)')
    // A usage mistake exits 2, like every other CLI mistake; --help and --version exit 0.
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2))
    // So `run`'s command keeps its own options (`run node -e ...`, as `run -- node -e ...`).
    .enablePositionalOptions();
  addServe(program, env);
  addRun(program);
  addLint(program);
  addReport(program);
  addVerify(program);
  addProxy(program);
  addPact(program);
  addDiff(program);
  return program;
}
