import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { REPORT_HELP, reportCommand } from '../../../src/cli/reportCommand';
import type { ResultFile } from '../../../src/shared/resultFile';
import { HOSTILE_TEXT, hasTerminalControl, ROOT } from '../helpers';
import { writeSample } from '../store/resultFilesBuilders';

/** Runs the command, collecting what it prints and warns. */
async function report(argv: string[], cwd: string): Promise<{ out: string; warnings: string[] }> {
  const warnings: string[] = [];
  const out = await reportCommand(argv, (line) => warnings.push(line), cwd);
  return { out, warnings };
}

async function refused(argv: string[], cwd: string, why: RegExp): Promise<void> {
  await assert.rejects(report(argv, cwd), (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, why);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('report writes the HTML and the Markdown of a saved result, or prints the Markdown', async () => {
  const { dir } = writeSample();
  const out = mkdtempSync(join(tmpdir(), 'propsweep-report-'));
  const { out: printed, warnings } = await report(
    ['x.propsweep.json', '--html', join(out, 'r.html'), '--markdown', join(out, 'r.md')],
    dir,
  );
  assert.match(printed, /report: .*r\.html/);
  const html = readFileSync(join(out, 'r.html'), 'utf8');
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 5);
  assert.match(html, /tiny &#60;model&#62;/);
  const md = readFileSync(join(out, 'r.md'), 'utf8');
  assert.match(md, /\| tiny &lt;model&gt; \|/);
  // Frame links are relative to the Markdown file.
  assert.match(md, /!\[first\]\(\.\.\/[^)]*x\.frames\/v1\/000\.png\)/);
  // The sample's model file does not have the recorded sha256.
  assert.deepEqual(warnings, [
    'propsweep: model tiny <model>: stale: tiny.onnx changed since this result was made',
  ]);
  const stdout = await report([join(dir, 'x.propsweep.json')], dir);
  assert.match(stdout.out, /!\[first\]\(x\.frames\/v1\/000\.png\)/);
  assert.equal((await report(['--help'], dir)).out, REPORT_HELP);
});

test("hostile results are refused with the panel's reasons, as a one-line usage error", async () => {
  const frame = (k: number, file: string) => (r: ResultFile) => ({
    ...r,
    frames: r.frames.map((f, i) => (i === k ? { ...f, file } : f)),
  });
  const git = writeSample(frame(0, '.git/config'));
  mkdirSync(join(git.dir, '.git'));
  writeFileSync(join(git.dir, '.git', 'config'), '[core]\n');
  await refused(
    [join(git.dir, 'x.propsweep.json')],
    git.dir,
    /the frame \.git\/config is not in x\.frames\//,
  );
  const env = writeSample(frame(1, '.env'));
  writeFileSync(join(env.dir, '.env'), 'TOKEN=1\n');
  await refused(
    ['x.propsweep.json', '--html', 'r.html'],
    env.dir,
    /the frame \.env is not in x\.frames\//,
  );
  const outside = writeSample(frame(2, '../../etc/passwd'));
  await refused(['x.propsweep.json'], outside.dir, /frames\[2\]\.file must be a relative path/);
  const renamed = writeSample();
  writeFileSync(join(renamed.dir, 'x.frames', 'v1', '000.png'), 'TOKEN=1\n');
  await refused(['x.propsweep.json'], renamed.dir, /000\.png is not a decodable PNG/);
  const broken = writeSample();
  writeFileSync(broken.path, '{');
  await refused(['x.propsweep.json'], broken.dir, /not valid JSON/);
  await refused(['nope.propsweep.json'], broken.dir, /does not exist/);
  await refused([], broken.dir, /one result file, got 0/);
  await refused(['a', 'b'], broken.dir, /one result file, got 2/);
  await refused(['x.propsweep.json', '--pdf', 'x'], broken.dir, /Unknown option '--pdf'/);
  const elsewhere = mkdtempSync(join(tmpdir(), 'propsweep-root-'));
  await refused(['x.propsweep.json', '--root', elsewhere], broken.dir, /does not hold the result/);
});

test('a FIFO model path is "cannot check", not a hang; Markdown injection is escaped', async () => {
  const { dir } = writeSample((r) => ({
    ...r,
    editor: {
      ...r.editor,
      title: '<img src=https://evil.example/x> @octocat [x](https://e.example)',
    },
    models: r.models.map((m) => ({ ...m, path: 'fifo.onnx', name: '@admin' })),
  }));
  execFileSync('mkfifo', [join(dir, 'fifo.onnx')]);
  const { out, warnings } = await report(['x.propsweep.json'], dir);
  assert.deepEqual(warnings, [
    'propsweep: model @admin: cannot check fifo.onnx: it is not a regular file',
  ]);
  assert.ok(!out.includes('<'));
  assert.ok(!/@[a-z]/i.test(out));
  assert.ok(!out.includes('://'));
  assert.ok(!/[^\\]\]\(https/.test(out));
});

test('an output that would destroy the result, a frame, or a device is refused', async () => {
  const { dir, path } = writeSample();
  const saved = readFileSync(path, 'utf8');
  const frame = join(dir, 'x.frames', 'v1', '000.png');
  const framePng = readFileSync(frame);
  await refused(
    ['x.propsweep.json', '--html', 'x.propsweep.json'],
    dir,
    /--html x\.propsweep\.json is the result being rendered/,
  );
  // The same file by another name: a symlink to the result.
  symlinkSync(path, join(dir, 'link.json'));
  await refused(
    ['x.propsweep.json', '--markdown', 'link.json'],
    dir,
    /--markdown link\.json is the result being rendered/,
  );
  await refused(
    ['x.propsweep.json', '--markdown', 'x.frames/v1/000.png'],
    dir,
    /--markdown x\.frames\/v1\/000\.png is inside the result's frames folder/,
  );
  await refused(
    ['x.propsweep.json', '--html', 'x.frames/v1/new.html'],
    dir,
    /inside the result's frames folder/,
  );
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  await refused(
    ['x.propsweep.json', '--html', 'pipe'],
    dir,
    /--html pipe is not a regular file .*writing would replace it/,
  );
  mkdirSync(join(dir, 'folder'));
  await refused(['x.propsweep.json', '--markdown', 'folder'], dir, /--markdown folder is a folder/);
  await refused(
    ['x.propsweep.json', '--html', 'r.out', '--markdown', 'r.out'],
    dir,
    /name the same file r\.out/,
  );
  assert.equal(readFileSync(path, 'utf8'), saved);
  assert.deepEqual(readFileSync(frame), framePng);
  assert.ok(lstatSync(join(dir, 'pipe')).isFIFO());
  assert.ok(lstatSync(join(dir, 'folder')).isDirectory());
  // A regular file is replaced, as a new one is written.
  writeFileSync(join(dir, 'old.md'), 'old');
  await report(['x.propsweep.json', '--markdown', 'old.md', '--html', 'new.html'], dir);
  assert.match(readFileSync(join(dir, 'old.md'), 'utf8'), /\*\*PropSweep\*\*/);
  assert.match(readFileSync(join(dir, 'new.html'), 'utf8'), /<html/i);
});

test('a result saved with a byte-order mark opens', async () => {
  const { dir, path } = writeSample();
  writeFileSync(path, `\uFEFF${readFileSync(path, 'utf8')}`);
  const { out } = await report(['x.propsweep.json'], dir);
  assert.match(out, /\*\*PropSweep\*\*/);
});

test('an output that cannot be written says why in the words of the other writes', async () => {
  const { dir } = writeSample();
  writeFileSync(join(dir, 'afile'), 'not a folder');
  await refused(
    ['x.propsweep.json', '--markdown', 'afile/r.md'],
    dir,
    /Cannot write to .*afile: a part of the path is a file, not a folder \(ENOTDIR\)\. Choose a folder path/,
  );
});

test('control characters of a hostile result never reach the terminal raw', async () => {
  const { dir, path } = writeSample((r) => ({
    ...r,
    editor: { ...r.editor, title: HOSTILE_TEXT },
    models: r.models.map((m) => ({
      ...m,
      name: HOSTILE_TEXT,
      path: `${HOSTILE_TEXT}.onnx`,
      labels: m.labels.map(() => HOSTILE_TEXT),
    })),
  }));
  // The warning about the model names it, and its missing file, on one line.
  const { warnings } = await report(['x.propsweep.json'], dir);
  assert.equal(warnings.length, 1);
  assert.ok(!hasTerminalControl(warnings[0] ?? ''), JSON.stringify(warnings));
  assert.match(warnings[0] ?? '', /^propsweep: model a\\u001b\]8;;http:\/\/evil\.example/);
  // What the command prints (the Markdown on standard output) and its messages on standard error.
  const run = (file: string) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'report', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
  const printed = run(path);
  assert.equal(printed.status, 0, printed.stderr);
  assert.match(printed.stdout, /\*\*PropSweep\*\*/);
  assert.ok(!hasTerminalControl(printed.stdout, true), JSON.stringify(printed.stdout));
  assert.ok(printed.stdout.includes('\\u202e'));
  assert.ok(!hasTerminalControl(printed.stderr, true), JSON.stringify(printed.stderr));
  // A refusal quotes the frame's name from the file (one without a backslash, which the
  // validator refuses first, quoted as JSON).
  const frame = 'x\x1b[2J\rfake\u202e\u009b.png';
  const refusedRun = run(
    writeSample((r) => ({
      ...r,
      frames: r.frames.map((f, k) => (k === 0 ? { ...f, file: frame } : f)),
    })).path,
  );
  assert.equal(refusedRun.status, 2, refusedRun.stderr);
  assert.match(refusedRun.stderr, /^propsweep: .*is not in x\.frames\//);
  assert.ok(!hasTerminalControl(refusedRun.stderr, true), JSON.stringify(refusedRun.stderr));
});
