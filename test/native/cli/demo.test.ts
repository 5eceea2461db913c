import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { cli } from '../../unit/helpers';

interface Row {
  model: string;
  image: string;
  property: string;
  epgm: number;
  p_value: number;
  flips: number;
}

// The paper's Table 1 pattern on the bundled world (models/README.md): fur colour moves the biased
// models' answers (large EPGM, a flip on every demo image), the unbiased model is invariant, and
// background brightness moves nobody.
test('npm run demo reproduces the paper pattern: fur colour matters for the biased models only', () => {
  const out = mkdtempSync(join(tmpdir(), 'propsweep-demo-'));
  const r = cli([
    'demo',
    '--out',
    out,
    '--permutations',
    '2000',
    '--cache',
    mkdtempSync(join(tmpdir(), 'propsweep-cache-')),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Row[];
  assert.equal(rows.length, 3 * 4 * 2); // models x images x properties
  for (const row of rows) {
    const where = `${row.model} / ${row.image} / ${row.property}: EPGM ${row.epgm}, flips ${row.flips}`;
    if (row.property === 'fur colour' && row.model !== 'unbiased') {
      assert.ok(row.epgm > 0.5 && row.flips >= 1 && row.p_value <= 0.01, where);
    } else {
      assert.ok(row.epgm < 0.1 && row.flips === 0, where);
    }
  }
  assert.match(r.stdout, /dark-cats\s+fur colour/);
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((report.match(/<section class="entry">/g) ?? []).length, 8);
});
