// Writes the tiny ONNX test models, their sidecars and their README into test/fixtures/models/,
// the diffusion model folders into test/fixtures/diffusion/ and the CLIP export folders into
// test/fixtures/clip/.
// Usage: npx tsx scripts/makeFixtures.ts
// The output is deterministic; test/unit/models/onnxWriter.test.ts,
// test/unit/editors/diffusion/fixtures.test.ts and test/unit/models/clipFixtures.test.ts fail
// when the committed files and this generator disagree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { clipFixtureFiles } from './clip/fixtures';
import { diffusionFixtureFiles } from './diffusion/fixtures';
import type { FixtureFile } from './onnx/fixtures';
import { fixtureFiles } from './onnx/fixtures';

function write(folder: string, files: readonly FixtureFile[]): void {
  const dir = join(__dirname, '..', folder);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.name)), { recursive: true });
    writeFileSync(join(dir, file.name), file.bytes);
    console.log(`${String(file.bytes.length).padStart(6)} bytes  ${join(folder, file.name)}`);
  }
}

write('test/fixtures/models', fixtureFiles());
write('test/fixtures/diffusion', diffusionFixtureFiles());
write('test/fixtures/clip', clipFixtureFiles());
