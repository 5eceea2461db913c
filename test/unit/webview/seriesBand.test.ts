import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildSeries, collectOutputs } from '../../../src/webview/model/series';
import { sampleResult } from '../builders';
import { diffusionResult } from '../diffusionBuilders';

test('each line of a path made with several seeds carries its band, in its output', () => {
  const r = diffusionResult();
  const [cat, dog] = buildSeries(r, collectOutputs(r.models), new Set(['cat', 'dog']), new Set());
  const spread = r.models[0]?.seedSpread;
  assert.ok(cat !== undefined && dog !== undefined && spread !== undefined);
  const c = cat.output === 'cat' ? 0 : 1;
  const band = (cat.output === 'cat' ? cat : dog).band;
  assert.ok(band !== null);
  assert.deepEqual(
    band.lower,
    r.frames.map((f, k) => ({ x: f.strength, y: spread.lower[k]?.[c] })),
  );
  assert.deepEqual(
    band.upper,
    r.frames.map((f, k) => ({ x: f.strength, y: spread.upper[k]?.[c] })),
  );
});

test('no band without a spread, or with a hole in it', () => {
  const plain = sampleResult();
  const series = buildSeries(plain, collectOutputs(plain.models), new Set(['cat']), new Set());
  assert.ok(series.every((s) => s.band === null));
  const r = diffusionResult();
  const m = r.models[0];
  assert.ok(m?.seedSpread !== undefined);
  const holed = {
    ...r,
    models: [
      {
        ...m,
        seedSpread: {
          ...m.seedSpread,
          lower: m.seedSpread.lower.map((row) => [Number.NaN, ...row.slice(1)]),
        },
      },
    ],
  };
  const [cat] = buildSeries(holed, collectOutputs(holed.models), new Set(['cat']), new Set());
  assert.equal(cat?.band, null);
});
