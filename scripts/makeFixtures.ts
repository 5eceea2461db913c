// Writes the tiny ONNX test models, their sidecars and their README into test/fixtures/models/.
// Usage: npx tsx scripts/makeFixtures.ts
// The output is deterministic; test/unit/models/fixtures.test.ts fails when the committed files
// and this generator disagree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { fixtureFiles } from './onnx/fixtures';

const dir = join(__dirname, '..', 'test', 'fixtures', 'models');
mkdirSync(dir, { recursive: true });
for (const file of fixtureFiles()) {
  writeFileSync(join(dir, file.name), file.bytes);
  console.log(
    `${String(file.bytes.length).padStart(6)} bytes  ${join('test/fixtures/models', file.name)}`,
  );
}
