// propsweep explain --editor instruct-pix2pix, as a user runs it, on the fixture export
// (test/fixtures/diffusion/README.md): its flags, its summary lines, its JSON, and its refusals.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../../unit/helpers';
import { errorLine, explain, tmp } from './helpers';

const fixture = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-fp32');
const DIFFUSION = ['--editor-model', fixture, '--instruction', 'make the fur white'];
const SMALL = ['--max-size', '64', '--denoise-steps', '3'];

test('a diffusion path from the command line: the table, the jump, the run and the seeds', () => {
  const out = join(tmp('explain'), 'out');
  const r = explain(
    { editor: 'instruct-pix2pix', out, cache: tmp('explain') },
    ...DIFFUSION,
    ...SMALL,
    '--seeds',
    '2',
    '--scheduler',
    'euler-ancestral',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /source -> reconstruction: pixel change [\d.]+ %/);
  assert.match(r.stdout, /unbiased: P\(cat\) [\d.]+ -> [\d.]+ \(moved /);
  assert.match(r.stdout, /editor: 3 denoising steps, \d+ UNet calls, \d+ image evaluations/);
  assert.match(r.stdout, /unbiased: EPGM .* over 2 seeds \(seeds 0, 1/);
  const framesDir = join(out, 'dark-cat-instruct-pix2pix.frames');
  const [version] = readdirSync(framesDir);
  assert.ok(readdirSync(join(framesDir, version ?? '')).includes('source.png'));
});

test('--json carries the reconstruction, the prediction on the source and the seed spread', () => {
  const r = explain(
    { editor: 'instruct-pix2pix', out: join(tmp('explain'), 'out'), cache: tmp('explain') },
    ...DIFFUSION,
    ...SMALL,
    '--seeds',
    '2',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as {
    reconstruction: { change: number; file: string };
    editor: { run: { counts: Record<string, number> } };
    models: { source_prediction: number[]; seed_spread: { seeds: number[] } }[];
  };
  assert.ok(json.reconstruction.change > 0);
  assert.match(json.reconstruction.file, /source\.png$/);
  assert.equal(json.editor.run.counts.denoiseSteps, 3);
  const [model] = json.models;
  assert.ok(model !== undefined);
  assert.equal(model.source_prediction.length, 2);
  assert.deepEqual(model.seed_spread.seeds, [0, 1]);
});

for (const [name, flags, message] of [
  [
    'a diffusion flag with another editor',
    ['--editor', 'brightness', '--instruction', 'x'],
    /--instruction belongs to --editor instruct-pix2pix, not brightness/,
  ],
  [
    'a flag and --param setting the same parameter',
    ['--editor', 'instruct-pix2pix', ...DIFFUSION, '--param', 'instruction=y'],
    /--instruction and --param instruction=\.\.\. both set instruction/,
  ],
  [
    'too many seeds',
    ['--editor', 'instruct-pix2pix', ...DIFFUSION, '--seeds', '17'],
    /--seeds must be a whole number from 1 to 16/,
  ],
  [
    'a guidance range the wrong way round',
    ['--editor', 'instruct-pix2pix', ...DIFFUSION, '--guidance-min', '5', '--guidance-max', '2'],
    /sweeps the text guidance from guidanceMin to a larger guidanceMax/,
  ],
  [
    'no instruction',
    ['--editor', 'instruct-pix2pix', '--editor-model', fixture],
    /needs instruction/,
  ],
] as const) {
  test(`refused with exit code 2: ${name}`, () => {
    const out = join(tmp('explain'), 'out');
    const [, editor, ...rest] = flags;
    const r = explain({ editor, out, cache: tmp('explain') }, ...rest);
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(errorLine(r.stderr), message);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'nothing written');
  });
}

test('an incomplete export exits 2 listing what is missing and the export command', () => {
  const model = join(tmp('explain'), 'model');
  cpSync(fixture, model, { recursive: true });
  rmSync(join(model, 'vae_decoder'), { recursive: true });
  const out = join(tmp('explain'), 'out');
  const r = explain(
    { editor: 'instruct-pix2pix', out, cache: tmp('explain') },
    '--editor-model',
    model,
    '--instruction',
    'make it night',
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    errorLine(r.stderr),
    /incomplete diffusion model export: it lacks vae_decoder\/model\.onnx\. Export the whole model with: optimum-cli export onnx --model timbrooks\/instruct-pix2pix --task image-to-image DIR/,
  );
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'nothing written');
});
