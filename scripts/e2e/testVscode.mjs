// The VS Code test tier, end to end: package the VSIX (production build), make sure code-server is
// installed (cached outside the repository), then run test/vscode/**/*.test.ts with Node's test
// runner, one file at a time, handing both paths to the harness through the environment.
//
// Usage: node scripts/e2e/testVscode.mjs [--reuse-vsix] [-- more node --test flags]
//   --reuse-vsix   use the VSIX that `npm run package` left in the repository (no rebuild)
//   e.g. npm run test:vscode -- --reuse-vsix -- --test-name-pattern=restricted
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { ensureCodeServer } from './codeServer.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const separator = process.argv.indexOf('--');
const own = separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator);
const passThrough = separator < 0 ? [] : process.argv.slice(separator + 1);
const unknown = own.filter((arg) => arg !== '--reuse-vsix');
if (unknown.length > 0) {
  console.error(`[test:vscode] unknown option ${unknown.join(' ')}`);
  console.error(
    '[test:vscode] usage: node scripts/e2e/testVscode.mjs [--reuse-vsix] [-- node --test flags]',
  );
  process.exit(2);
}

const started = performance.now();
const timings = [];
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const target = `${process.platform}-${process.arch}`;
const vsix = join(root, `${manifest.name}-${manifest.version}-${target}.vsix`);

if (own.includes('--reuse-vsix') && existsSync(vsix)) {
  console.log(`[test:vscode] reusing ${vsix}`);
} else {
  timed('package the VSIX', () => {
    const result = spawnSync(
      process.execPath,
      [join(root, 'scripts', 'package.mjs'), '--target', target, '--out', vsix],
      { cwd: root, stdio: 'inherit' },
    );
    if (result.status !== 0) {
      console.error('[test:vscode] packaging failed (see above); no VS Code test ran.');
      process.exit(1);
    }
  });
}

let codeServer;
timed('code-server', () => {
  try {
    codeServer = ensureCodeServer();
  } catch (error) {
    console.error(`[test:vscode] ${error instanceof Error ? error.message : String(error)}`);
    console.error('[test:vscode] fix the cause above and run again; no VS Code test ran.');
    process.exit(1);
  }
});

let status = 1;
timed('VS Code tests', () => {
  // One file at a time: each test starts its own code-server and Chromium.
  const result = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'runTests.mjs'), 'vscode', '--test-concurrency=1', ...passThrough],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PROPSWEEP_VSIX: vsix, PROPSWEEP_CODE_SERVER: codeServer.dir },
    },
  );
  status = result.status ?? 1;
});

const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(`[test:vscode] ${timings.join(', ')}; total ${total} s`);
if (status !== 0) {
  console.log('[test:vscode] screenshots and logs: .test-artifacts/vscode/<test>/');
}
process.exit(status);

function timed(title, action) {
  const start = performance.now();
  action();
  timings.push(`${title} ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
