/** scripts/check-commits.mjs on a throw-away repository: subjects since a base, at most 72 characters. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const script = join(packageRoot(), 'scripts', 'check-commits.mjs');
const dir = mkdtempSync(join(tmpdir(), 'cm-check-commits-'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
const commit = (subject: string): string => {
  git('commit', '--allow-empty', '-q', '-m', subject, '-m', 'The body may be as long as it needs to be.');
  return git('rev-parse', 'HEAD');
};
const check = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { cwd, env, encoding: 'utf8' });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check-commits', () => {
  git('init', '-q', '-b', 'main');
  const history = commit(`An old subject from before the rule, ${'x'.repeat(60)}`);
  commit('Keep the subject short');
  const at72 = commit(`Seventy-two characters exactly: ${'y'.repeat(72 - 32)}`);

  test('passes when every subject since the base has at most 72 characters (older ones are history)', () => {
    const run = check(dir, '--since', history);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('2 commit(s) since');
    expect(run.status).toBe(0);
  });

  test('fails naming each commit over 72 characters, counted in characters, not bytes', () => {
    try {
      const long = commit(`Seventy-three characters here: ${'z'.repeat(73 - 31)}`);
      commit('学校数据不存在或数据异常'.repeat(6)); // 72 characters, 216 bytes: allowed
      const run = check(dir, '--since', at72);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${long.slice(0, 7)}: subject of 73 characters (at most 72)`);
      expect(run.stderr).toContain('1 of 2 commit(s)');
    } finally {
      git('reset', '-q', '--hard', at72); // the other tests see the history they were written for, in any order
    }
  });

  test('an unknown base is an error; outside a git work tree there is nothing to check', () => {
    expect(check(dir, '--since', 'no-such-revision').stderr).toContain(
      'no-such-revision is not a commit of this repository',
    );
    const outside = check(tmpdir());
    expect(outside.status).toBe(0);
    expect(outside.stdout).toContain('not a git work tree');
  });
});
