/** What the package says of itself (issue 29, "honest package"): an MIT LICENSE file that ships, and where the project lives. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const root = packageRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  repository?: { type: string; url: string };
  bugs?: { url: string };
  homepage?: string;
};

describe('package metadata', () => {
  test('the MIT LICENSE file matches "license" and is in the tarball', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Copyright (c) 2026 contract-mock contributors');
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ files: Array<{ path: string }> }>;
    expect(packed[0]!.files.map((f) => f.path)).toContain('LICENSE');
  });

  test('repository, bugs and homepage say where the project lives, so README links survive on npm', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: 'git+https://github.com/contract-mock/contract-mock.git' });
    expect(pkg.bugs?.url).toBe('https://github.com/contract-mock/contract-mock/issues');
    expect(pkg.homepage).toBe('https://github.com/contract-mock/contract-mock#readme');
  });
});
