import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { distFile, ROOT } from '../../unit/helpers';
import { DARK_CAT, DEMO, tmp } from './helpers';

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group: the CLI and its
// inference child. The child must leave the stopping to the CLI (which cancels between steps),
// not die in the middle of a run and turn a cancel into an internal error.
test('Ctrl-C to the process group cancels the run: exit 130, no internal error, nothing written', async () => {
  const out = tmp('interrupt-out');
  const cache = tmp('interrupt-cache');
  const models = ['unbiased', 'dark-cats', 'dark-dogs'].map((m) => join(DEMO, `${m}.onnx`));
  const cli = spawn(
    process.execPath,
    [
      distFile('cli.js'),
      'explain',
      '--image',
      DARK_CAT,
      ...models.flatMap((m) => ['--model', m]),
      '--editor',
      'noise',
      '--steps',
      '1001',
      '--out',
      join(out, 'run'),
      '--cache',
      cache,
    ],
    // Its own process group, as a shell gives a foreground job, so the group can be signalled.
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let signalled = false;
  cli.stderr.setEncoding('utf8');
  cli.stderr.on('data', (text: string) => {
    stderr += text;
    // The first progress line: the child is running the work.
    if (!signalled && cli.pid !== undefined) {
      signalled = true;
      process.kill(-cli.pid, 'SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
  assert.ok(signalled, `the CLI printed no progress:\n${stderr}`);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /Cancelling/);
  assert.doesNotMatch(stderr, /internal error|killed by/i);
  const written = existsSync(join(out, 'run')) ? readdirSync(join(out, 'run')) : [];
  assert.deepEqual(
    written.filter((f) => f.endsWith('.propsweep.json')),
    [],
    'a cancelled run publishes no result',
  );
});
