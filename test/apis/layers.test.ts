/** An API module sits below the mock: nothing under src/apis/ imports the mock, admin, cli, verify, scenarios or pipeline (issue 26, layers). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const root = join(packageRoot(), 'src', 'apis');
const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
const ABOVE = /^(mock|admin|cli|verify|scenarios|pipeline)\//;

test.each(files)('src/apis/%s imports nothing from a layer above it', (file) => {
  const text = readFileSync(join(root, file), 'utf8');
  const imported = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!).filter((s) => s.startsWith('.'));
  const above = imported.filter((s) =>
    ABOVE.test(relative(join(packageRoot(), 'src'), join(root, file, '..', s)).replaceAll('\\', '/')),
  );
  expect(above).toEqual([]);
});
