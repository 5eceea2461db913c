// Runs one tier of tests with Node's own test runner; TypeScript is loaded through tsx.
// Usage: node scripts/runTests.mjs unit|native|vscode [more node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const tier = process.argv[2];
const tiers = ['unit', 'native', 'vscode'];
if (!tiers.includes(tier ?? '')) {
  console.error(`usage: node scripts/runTests.mjs ${tiers.join('|')}`);
  process.exit(2);
}

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [relative(process.cwd(), path)] : [];
  });
}

const files = findTests(join('test', tier)).sort();
if (files.length === 0) {
  console.error(`no tests found under test/${tier}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(3), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
