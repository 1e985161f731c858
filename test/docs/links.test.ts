/**
 * The README and the docs/ tree hold together: every relative link names a file that exists and, for a Markdown
 * file, a heading that exists; the README stays a page (at most about 250 lines) and every docs/ page it links to
 * ships in the package, so its links work from an installed package too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const root = packageRoot();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Relative links of a page (outside code blocks and spans), as [target, anchor]. */
function links(file: string): Array<[string, string]> {
  const text = readFileSync(file, 'utf8')
    .replace(/^```[\s\S]*?^```$/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/i.test(t))
    .map((t) => {
      const [path, anchor] = t.split('#') as [string, string | undefined];
      return [path ? join(dirname(file), path) : file, anchor ?? ''];
    });
}

describe('README.md and docs/', () => {
  test.each(pages.map((p) => [relative(root, p), p] as const))('%s: every relative link resolves', (_name, file) => {
    for (const [target, anchor] of links(file)) {
      expect(
        existsSync(target),
        `${relative(root, file)} links to ${relative(root, target)}, which does not exist`,
      ).toBe(true);
      if (anchor && target.endsWith('.md'))
        expect([...anchors(target)], `${relative(root, file)} links to ${relative(root, target)}#${anchor}`).toContain(
          anchor,
        );
    }
  });

  test('the README fits on a page and links every docs/ page', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    // Not on the registry yet: the README says so and how to install the tarball of this version.
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(readme).toContain('not yet on the npm registry');
    expect(readme).toContain(`npm i -D ./contract-mock-${version}.tgz`);
    for (const line of ['npm ci && npm start', 'npm ci && npm test', 'npx contract-mock run'])
      expect(readme).toContain(line);
    const linked = new Set(links(join(root, 'README.md')).map(([t]) => relative(root, t)));
    for (const page of markdownFiles(join(root, 'docs')))
      expect([...linked], `README.md does not link ${relative(root, page)}`).toContain(relative(root, page));
  });

  test('every docs/ page the README links ships in the package', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set(packed[0]!.files.map((f) => f.path));
    const linked = links(join(root, 'README.md'))
      .map(([t]) => relative(root, t))
      .filter((t) => t.startsWith('docs/'));
    expect(linked.length).toBeGreaterThan(20);
    for (const page of linked)
      expect(files.has(page), `${page} is not in the tarball ("files" in package.json)`).toBe(true);
  });
});
