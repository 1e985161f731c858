/**
 * The packed tarball as another team's project gets it: `npm pack`, installed offline from the npm cache into an
 * empty project (no devDependencies there), then `npx contract-mock --version`, `npx contract-mock serve` (four
 * APIs, built-in scenarios, dashboard), `npx contract-mock run`, `startMock` from 'contract-mock', and
 * `import { MockClient } from 'contract-mock/client'`, run and type-checked, and `npx contract-mock lint` on the
 * project's own document, without Spectral and then with Spectral installed in the project; and the vitest and jest
 * examples of docs/guides/ci.md ("The mock inside your test runner"), written out exactly as the page has them.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';
import { freePort } from '../helpers/free-port.js';

const root = packageRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: object;
  engines: object;
  dependencies: Record<string, string>;
};
const tarball = `${pkg.name}-${pkg.version}.tgz`;
let project: string;
let child: ChildProcess | undefined;

/**
 * `npm ci` in this repo leaves every tarball in the npm cache but no registry metadata, so an offline
 * `npm install` could not resolve versions: the consumer gets a lock file made of this repo's lock entries
 * for production packages (the `dev` ones left out), which is what `npm install ./contract-mock.tgz` would resolve.
 */
function consumerLock(): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const packages: Record<string, object> = {
    '': { name: 'consumer', dependencies: { [pkg.name]: `file:${tarball}` } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${tarball}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages))
    if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

const npmEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
function run(cmd: string, args: string[], cwd = project): string {
  try {
    return execFileSync(cmd, args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'cm-consumer-'));
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', project], root);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { [pkg.name]: `file:${tarball}` },
    }),
  );
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock()));
  run('npm', ['ci', '--offline']);
}, 120_000);

afterAll(() => {
  if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  rmSync(project, { recursive: true, force: true });
});

/** Starts `npx contract-mock serve` in the consumer project (own process group, so npx and the server stop together). */
function serve(port: number): Promise<string> {
  child = spawn('npx', ['--offline', 'contract-mock', 'serve', '--port', String(port)], {
    cwd: project,
    env: npmEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('admin API')) resolve(out);
    });
    child!.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/**
 * The fenced blocks of docs/guides/ci.md tagged `js RUNNER-example file=PATH`, each written to `dir/PATH` as is; and
 * the runner itself linked into `dir/node_modules` from this checkout's devDependencies (its registry metadata is not
 * in the npm cache an offline install reads, as for Spectral below), so `npx RUNNER` finds it as in the user's project.
 */
function writeExample(runner: 'vitest' | 'jest', bin: string): string {
  const page = readFileSync(join(root, 'docs', 'guides', 'ci.md'), 'utf8');
  const blocks = [...page.matchAll(/^```js ([\w-]+) file=(\S+)\n([\s\S]*?)^```$/gm)].filter(
    (m) => m[1] === `${runner}-example`,
  );
  const dir = join(project, `${runner}-example`);
  for (const [, , file, text] of blocks) {
    mkdirSync(dirname(join(dir, file!)), { recursive: true });
    writeFileSync(join(dir, file!), text!);
  }
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(root, 'node_modules', runner), join(dir, 'node_modules', runner));
  symlinkSync(join('..', runner, bin), join(dir, 'node_modules', '.bin', runner));
  return dir;
}

/** `npx RUNNER ARGS` in `dir`, without this vitest run's own VITEST_* variables; its status and all its output. */
function runExample(dir: string, runner: string, ...args: string[]): { status: number | null; out: string } {
  const env = Object.fromEntries(Object.entries(npmEnv).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'));
  const r = spawnSync('npx', ['--offline', runner, ...args], {
    cwd: dir,
    env: { ...env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the packed package, installed into an empty project', () => {
  test('ships compiled code, contract cache, declarations, specs, scenarios and dashboard, and no devDependency is installed', () => {
    const installed = join(project, 'node_modules', pkg.name);
    for (const file of [
      '.spectral.yaml',
      'dist/src/cli/main.js',
      'dist/contract-cache/index.json',
      'dist/src/client/mock-client.d.ts',
      'specs/platform-sync.openapi.yaml',
      'scenarios/token-expired.yaml',
      'scenarios/scenario.schema.json',
      'examples/timetable.openapi.yaml',
      'src/admin/ui/index.html',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(existsSync(join(installed, 'test')), 'tests are not shipped').toBe(false);
    for (const dev of ['typescript', 'vitest', '@stoplight/prism-cli', 'supertest'])
      expect(existsSync(join(project, 'node_modules', dev)), dev).toBe(false);
  });

  test('npx contract-mock --version prints the package version', () => {
    expect(run('npx', ['--offline', 'contract-mock', '--version']).trim()).toBe(pkg.version);
  });

  test('npx contract-mock run runs a command against the mock and reports; startMock from contract-mock listens and closes', () => {
    const call = `const r = await fetch(process.env.CONTRACT_MOCK_URL + '/v1/channel/token', { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-session': 'pack' }, body: '{"appid":"demo-app","secret":"demo-secret"}' }); console.log('status', (await r.json()).status);`;
    writeFileSync(join(project, 'call.mjs'), call);
    const out = run('npx', ['--offline', 'contract-mock', 'run', '--', 'node', 'call.mjs']);
    expect(out).toContain('status 200');
    expect(out).toContain('no contract violations in 1 call(s) of session "pack"');
    writeFileSync(
      join(project, 'embed.mjs'),
      `import { startMock } from 'contract-mock';
const mock = await startMock({ port: 0, log: () => {} });
const health = await fetch(mock.url + '/__mock/health');
await mock.close();
console.log(JSON.stringify({ url: mock.url, health: health.status }));`,
    );
    expect(JSON.parse(run('node', ['embed.mjs']))).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      health: 200,
    });
  });

  test('npx contract-mock serve answers the four APIs, lists the built-in scenarios, serves the dashboard, and MockClient from contract-mock/client runs and type-checks', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const banner = await serve(port);
    expect(banner).toContain(`dashboard  ${base}/__mock/ui/`);
    const post = (path: string, body: string, type: string) =>
      fetch(base + path, { method: 'POST', headers: { 'content-type': type }, body }).then(
        (r) => r.json() as Promise<{ status?: number; code?: string; meta?: { status: number } }>,
      );
    expect(
      (await post('/v1/channel/token', '{"appid":"demo-app","secret":"demo-secret"}', 'application/json')).status,
    ).toBe(200);
    expect(
      (
        (await (
          await fetch(`${base}/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token`)
        ).json()) as { code: string }
      ).code,
    ).toBe('000000');
    expect(
      (
        await post(
          '/datasyn/user/register',
          new URLSearchParams({
            loginName: 'pack',
            password: '123456',
            realName: '张三',
            sex: '1',
            school: '武汉一中',
            grade: '3班',
            classNum: '3',
            englishscore: '120',
          }).toString(),
          'application/x-www-form-urlencoded',
        )
      ).meta?.status,
    ).toBe(1);
    expect(
      (
        await post(
          '/wx/push/addPushProject',
          'url=http://127.0.0.1:9/hook&project=pack',
          'application/x-www-form-urlencoded',
        )
      ).code,
    ).toBe('200');

    const builtIn = readdirSync(join(root, 'scenarios'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    const scenarios = (await (await fetch(`${base}/__mock/scenarios`)).json()) as {
      available: Array<{ name: string }>;
    };
    expect(scenarios.available.map((s) => s.name).sort()).toEqual(builtIn);
    const ui = await fetch(`${base}/__mock/ui/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<script');
    expect((await fetch(`${base}/__mock/ui/app.js`)).status).toBe(200);

    // A QA script of the consumer project, as plain JavaScript: the import resolves through the package's exports.
    writeFileSync(
      join(project, 'qa.mjs'),
      `import { MockClient } from 'contract-mock/client';
const mock = new MockClient(process.argv[2]).withSession('pack');
await fetch(process.argv[2] + '/v1/channel/token', { method: 'POST', headers: { ...mock.headers, 'content-type': 'application/json' }, body: '{"appid":"demo-app","secret":"demo-secret"}' });
console.log(JSON.stringify(await mock.verify({ operationId: 'channelToken', count: 1 })));`,
    );
    expect(JSON.parse(run('node', ['qa.mjs', base]))).toMatchObject({ ok: true, matched: 1 });

    // The same import in TypeScript, checked against the shipped declarations alone (strict, no skipLibCheck, no @types).
    writeFileSync(
      join(project, 'check.ts'),
      `import { MockClient, MockClientError, type VerificationResult } from 'contract-mock/client';
const mock = new MockClient('http://127.0.0.1:4010').withSession('qa');
const result: Promise<VerificationResult> = mock.verify({ operationId: 'channelToken', count: 2 });
const failed: boolean = (await result).ok;
// @ts-expect-error advanceClock takes seconds as a number: the declarations are real types, not any.
await mock.advanceClock('7201');
export { failed, MockClientError };
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  });

  test('the vitest example of docs/guides/ci.md runs as written: one mock from globalSetup, a session per test file', () => {
    const dir = writeExample('vitest', 'vitest.mjs');
    const { status, out } = runExample(dir, 'vitest', 'run');
    expect(status, out).toBe(0);
    expect(out).toMatch(/Tests\s+1 passed \(1\)/);
  }, 180_000);

  test('the jest example of docs/guides/ci.md runs as written: globalSetup/globalTeardown, the URL in process.env', () => {
    const dir = writeExample('jest', join('bin', 'jest.js'));
    const { status, out } = runExample(dir, 'jest');
    expect(status, out).toBe(0);
    expect(out).toMatch(/Tests:\s+1 passed, 1 total/);
  }, 180_000);

  test('npx contract-mock lint --spec: says plainly when Spectral did not run (exit 1 with --strict), runs spectral:oas once the project installs Spectral; a bare lint names the shipped files it lints', () => {
    const lint = (...args: string[]) =>
      spawnSync('npx', ['--offline', 'contract-mock', 'lint', ...args], {
        cwd: project,
        env: npmEnv,
        encoding: 'utf8',
        timeout: 120_000,
      });
    writeFileSync(
      join(project, 'x.yaml'),
      'openapi: 3.1.0\ninfo: { title: Widgets, version: 1.0.0 }\npaths:\n  /widgets/{id}:\n    get:\n      operationId: getWidget\n      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]\n      responses:\n        "200": { description: one widget }\n',
    );
    const without = lint('--spec', 'x.yaml');
    expect(without.status, without.stdout + without.stderr).toBe(0);
    expect(without.stdout).toContain('x.yaml:1 warning spectral-not-run Spectral did not run');
    expect(without.stdout).toContain('npm i -D @stoplight/spectral-cli');
    expect(without.stdout).toContain(`--ruleset node_modules/${pkg.name}/.spectral.yaml x.yaml`);
    expect(without.stdout).toContain('Spectral did not run (--strict makes that an error)');
    expect(without.stdout).not.toContain('npm ci');
    expect(without.stdout, 'the built-in specs are named by their shipped path').toContain(
      `node_modules/${pkg.name}/specs/platform-sync.openapi.yaml`,
    );
    expect(without.stdout).not.toMatch(/^specs\/:1/m);
    const strict = lint('--spec', 'x.yaml', '--strict');
    expect(strict.status, strict.stdout).toBe(1);
    expect(strict.stdout).toContain('x.yaml:1 error spectral-not-run');

    // A bare lint checks the package's own files and says so, by their installed path.
    const bare = lint();
    expect(bare.status, bare.stdout + bare.stderr).toBe(0);
    expect(bare.stdout).toContain(
      `lint: the package's built-in specs (node_modules/${pkg.name}/specs/ios-datasyn.openapi.yaml, `,
    );
    expect(bare.stdout).toContain(
      `and scenarios (node_modules/${pkg.name}/scenarios/); your own files: --spec FILE, --scenarios DIR`,
    );
    expect(bare.stdout).toContain(`node_modules/${pkg.name}/specs/:1 warning spectral-not-run Spectral did not run`);

    // The project installs Spectral (linked from this checkout's devDependency, as npm i -D @stoplight/spectral-cli would).
    mkdirSync(join(project, 'node_modules', '@stoplight'), { recursive: true });
    symlinkSync(
      join(root, 'node_modules', '@stoplight', 'spectral-cli'),
      join(project, 'node_modules', '@stoplight', 'spectral-cli'),
    );
    const withSpectral = lint('--spec', 'x.yaml', '--strict');
    expect(withSpectral.status, withSpectral.stdout + withSpectral.stderr).toBe(0);
    expect(withSpectral.stdout).toContain(
      'x.yaml:2 warning spectral:info-contact /info Info object must have "contact" object.',
    );
    expect(withSpectral.stdout).not.toContain('did not run');
  }, 180_000);
});
