// The CLIP fixture folders against their generator (scripts/clip/fixtures.ts), byte for byte, and
// their layout: optimum's file names, and embeddings outputs only where the variant says.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { CLIP_VARIANTS, clipFixtureFiles } from '../../../scripts/clip/fixtures';
import { ROOT } from '../helpers';

const DIR = join(ROOT, 'test', 'fixtures', 'clip');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [relative(DIR, path).split('\\').join('/')];
  });
}

const files = clipFixtureFiles();

test('the committed files are exactly what scripts/makeFixtures.ts writes, and no others', () => {
  for (const file of files) {
    const committed = readFileSync(join(DIR, file.name));
    assert.ok(
      Buffer.from(file.bytes).equals(committed),
      `${file.name} differs from the generator: run npx tsx scripts/makeFixtures.ts`,
    );
  }
  assert.deepEqual(walk(DIR).sort(), files.map((f) => f.name).sort());
});

test("each variant has optimum's layout and stays tiny", () => {
  for (const v of CLIP_VARIANTS) {
    const names = files.filter((f) => f.name.startsWith(`${v.name}/`)).map((f) => f.name);
    assert.ok(names.includes(`${v.name}/model.onnx`));
    assert.ok(names.includes(`${v.name}/preprocessor_config.json`));
    assert.ok(
      names.includes(`${v.name}/${v.tokenizer === 'json' ? 'tokenizer.json' : 'vocab.json'}`),
    );
    const model = files.find((f) => f.name === `${v.name}/model.onnx`);
    assert.ok(model !== undefined && model.bytes.length < 4096, `${v.name} model is tiny`);
    // Output names appear in the model's bytes only when the graph declares or computes them.
    const text = Buffer.from(model.bytes).toString('latin1');
    assert.equal(text.includes('image_embeds'), v.embeddings, `${v.name} image_embeds`);
  }
});
