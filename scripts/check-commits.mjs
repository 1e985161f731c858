#!/usr/bin/env node
/**
 * Commit subjects of at most 72 characters (issue 26): checks every commit reachable from HEAD and not from a
 * baseline, and exits 1 naming each subject over the limit. Knows nothing of what the commits change.
 *
 *   node scripts/check-commits.mjs               # since BASELINE below (what .ci/run checks)
 *   node scripts/check-commits.mjs --since main  # since another revision (a branch before it is merged)
 *
 * Outside a git work tree (an unpacked tarball) there is nothing to check: it says so and exits 0. In a
 * shallow clone that stops before the baseline, every commit it holds is newer than the baseline and is checked.
 */
import { execFileSync } from 'node:child_process';

/**
 * The newest commit on main whose subject was over the limit (2026-12-07): it and its ancestors are history.
 * Every commit since (merged branches included) is checked.
 */
const BASELINE = '0f5b847f99a7e701868556adc5cad34db0bc1a9f';
const MAX_SUBJECT = 72;

const git = (...args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const succeeds = (...args) => {
  try {
    git(...args);
    return true;
  } catch {
    return false;
  }
};

function main(argv) {
  const at = argv.indexOf('--since');
  const since = at === -1 ? BASELINE : argv[at + 1];
  if (!since) return fail('check-commits: --since needs a revision (a branch, tag or commit)');
  if (!succeeds('rev-parse', '--is-inside-work-tree')) {
    console.log('check-commits: not a git work tree, no commits to check');
    return 0;
  }
  let range;
  if (succeeds('rev-parse', '--verify', '--quiet', `${since}^{commit}`)) range = ['HEAD', `^${since}`];
  else if (since === BASELINE && git('rev-parse', '--is-shallow-repository') === 'true') range = ['HEAD'];
  else
    return fail(
      `check-commits: ${since} is not a commit of this repository` +
        (since === BASELINE ? '; set BASELINE in scripts/check-commits.mjs to a commit of main' : ''),
    );
  // NUL-separated: a subject may hold any character but NUL.
  const commits = git('log', '--format=%h %s%x00', ...range)
    .split('\0')
    .map((line) => line.trim())
    .filter(Boolean);
  const long = commits.filter((line) => [...line.slice(line.indexOf(' ') + 1)].length > MAX_SUBJECT);
  for (const line of long) {
    const subject = line.slice(line.indexOf(' ') + 1);
    console.error(
      `${line.slice(0, line.indexOf(' '))}: subject of ${[...subject].length} characters (at most ${MAX_SUBJECT}): ${subject}`,
    );
  }
  if (long.length > 0) {
    return fail(
      `check-commits: ${long.length} of ${commits.length} commit(s) since ${since.slice(0, 12)} have a subject over ${MAX_SUBJECT} characters; reword them (git rebase -i) and put the detail in the body`,
    );
  }
  console.log(
    `check-commits: ${commits.length} commit(s) since ${since.slice(0, 12)}, every subject at most ${MAX_SUBJECT} characters`,
  );
  return 0;
}

function fail(message) {
  console.error(message);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
