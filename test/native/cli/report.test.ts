import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import type { ResultFile } from '../../../src/shared/resultFile';
import { solidPng } from '../../unit/share/pngBuilders';
import { cli } from '../../unit/helpers';
import { DARK_CAT, explain, tmp } from './helpers';

/** Explains `image` with the unbiased demo model into a fresh folder; returns the paths written. */
function explained(
  image: string,
  editor: string,
  steps: number,
): { result_file: string; report: string } {
  const r = explain(
    { image, editor, steps, out: tmp('report'), cache: tmp('report') },
    '--name',
    'x',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { result_file: string; report: string };
}

describe('propsweep report', () => {
  test('renders a saved result again; refuses a hostile one with exit 2 and one line', () => {
    const result = explained(DARK_CAT, 'brightness', 5).result_file;
    const out = tmp('report');
    const ok = cli([
      'report',
      result,
      '--html',
      join(out, 'r.html'),
      '--markdown',
      join(out, 'r.md'),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const html = readFileSync(join(out, 'r.html'), 'utf8');
    assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 5);
    assert.match(readFileSync(join(out, 'r.md'), 'utf8'), /\| unbiased \|/);
    const help = cli(['report', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: propsweep report NAME\.propsweep\.json/);
    // The same result made to point at a secret beside it.
    const saved = JSON.parse(readFileSync(result, 'utf8')) as ResultFile;
    const folder = join(result, '..');
    mkdirSync(join(folder, '.git'));
    writeFileSync(join(folder, '.git', 'config'), '[core]\n');
    writeFileSync(
      result,
      JSON.stringify({
        ...saved,
        frames: saved.frames.map((f, k) => (k === 0 ? { ...f, file: '.git/config' } : f)),
      }),
    );
    const bad = cli(['report', result, '--html', join(out, 'bad.html')]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /^propsweep: x\.propsweep\.json: the frame \.git\/config is not in x\.frames\//,
    );
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    // A model path that is a FIFO: reported as "cannot check", at once.
    execFileSync('mkfifo', [join(folder, 'fifo.onnx')]);
    writeFileSync(
      result,
      JSON.stringify({ ...saved, models: saved.models.map((m) => ({ ...m, path: 'fifo.onnx' })) }),
    );
    const fifo = cli(['report', result]);
    assert.equal(fifo.code, 0, fifo.stderr);
    assert.match(fifo.stderr, /cannot check fifo\.onnx: it is not a regular file/);
  });

  test('large frames render: the report of a 3-megapixel noise path embeds small copies', () => {
    const dir = tmp('report');
    const image = join(dir, 'big.png');
    // Noise, so the frames stay large as PNG: 2000 x 1500 (about 9 MB per frame).
    const noise = (i: number): number => (Math.imul(i, 2654435761) >>> 24) & 255;
    writeFileSync(
      image,
      solidPng(2000, 1500, (x, y) => [noise(y * 2000 + x), noise(x * 31 + y), noise(y * 3 + x)]),
    );
    const { result_file: result, report: written } = explained(image, 'noise', 3);
    const frameBytes = JSON.parse(readFileSync(result, 'utf8')) as ResultFile;
    const total = frameBytes.frames.reduce(
      (s, f) => s + statSync(join(result, '..', f.file)).size,
      0,
    );
    const report = cli(['report', result, '--html', join(dir, 'r.html')]);
    assert.equal(report.code, 0, report.stderr);
    const html = statSync(join(dir, 'r.html')).size;
    assert.ok(html < total / 10 && html < 2_000_000, `report ${html} bytes, frames ${total}`);
    // The report the run wrote itself (in the inference child) is as small.
    const own = statSync(written).size;
    assert.ok(own < total / 10 && own < 2_000_000, `run's report ${own} bytes, frames ${total}`);
  });
});
