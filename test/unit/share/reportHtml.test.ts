import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdownSnippet } from '../../../src/extension/share/markdown';
import {
  renderReport,
  REPORT_LIMITS,
  reportFrameIndices,
} from '../../../src/extension/share/reportHtml';
import type { ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';

test('the report is self-contained, escapes every string and shows the scores', () => {
  const result = sampleResult();
  const html = renderReport(
    'cat <b>& dog</b>',
    [{ title: 'path', result, frameUris: result.frames.map(() => 'data:image/png;base64,AAAA') }],
    [
      {
        model: '<script>x</script>',
        image: 'cat.png',
        property: 'fur',
        epgm: 0.5,
        p_value: 0.001,
        flips: 1,
      },
    ],
  );
  assert.ok(!html.includes('<script>x'), 'model names are escaped');
  assert.ok(html.includes('cat &#60;b&#62;&#38; dog&#60;/b&#62;'));
  assert.ok(html.includes('tiny &#60;model&#62;'));
  assert.equal((html.match(/<img /g) ?? []).length, 5);
  assert.ok(!/(src|href)="(?!data:)/.test(html), 'no external resources');
  assert.match(html, /<polyline/);
  assert.match(html, /cat → dog at/);
  assert.match(
    html,
    new RegExp(`EPGM</th><td>${String(result.models[0]?.measure.epgm).slice(0, 4)}`),
  );
});

test('the report gives the verdict the panel gives: Holm over the models, negligible effects said', () => {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  const tiny = {
    ...model,
    name: 'tiny-effect',
    measure: { ...model.measure, epgm: 0.001, p_value: 0.0001 },
  };
  const large = { ...model, name: 'large-effect', measure: { ...model.measure, p_value: 0.0001 } };
  const html = renderReport('two models', [
    { title: 'path', result: { ...base, models: [tiny, large] }, frameUris: [] },
  ]);
  const cardOf = (name: string): string =>
    html.slice(
      html.indexOf(`<h3>${name}</h3>`),
      html.indexOf('</div>', html.indexOf(`<h3>${name}</h3>`)),
    );
  assert.match(
    cardOf('tiny-effect'),
    /<span class="badge">significant at α = 0\.01 \(Holm\), negligible effect \(EPGM &#60; 0\.05\)<\/span>/,
  );
  assert.match(
    cardOf('large-effect'),
    /<span class="badge sig">significant at α = 0\.01 \(Holm\)<\/span>/,
  );
  assert.match(cardOf('large-effect'), /adjusted p<\/th><td>2e-4/);
});

/** A result of `steps` frames and one model with `classes` outputs (a smooth shift of mass). */
function largeResult(steps: number, classes: number): ResultFile {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  const strengths = Array.from({ length: steps }, (_, k) => k / (steps - 1));
  const predictions = strengths.map((t) => {
    const row = new Array<number>(classes).fill(0);
    row[0] = 1 - t;
    row[classes - 1] = t;
    return row;
  });
  return {
    ...base,
    frames: strengths.map((strength, k) => ({
      ...base.frames[0],
      file: `x.frames/v/${k}.png`,
      strength,
      parameter: strength,
      changeInside: 0,
      changeOutside: null,
    })),
    models: [
      {
        ...model,
        labels: Array.from({ length: classes }, (_, c) => `class ${c}`),
        predictions,
        measure: {
          ...model.measure,
          n_steps: steps,
          n_outputs: classes,
          strengths,
          epgm_per_output: Array.from({ length: classes }, (_, c) =>
            c === 0 || c === classes - 1 ? 1 : 0,
          ),
          flip_details: [],
          flips: 0,
        },
      },
    ],
  };
}

test('large results render: 1000 classes x 150 steps, and 100,000 classes x 3 steps', () => {
  for (const [steps, classes] of [
    [150, 1000],
    [3, 100_000],
  ] as const) {
    const result = largeResult(steps, classes);
    const html = renderReport('large', [{ title: 'large', result, frameUris: [] }]);
    assert.match(html, /<polyline/);
    assert.match(html, new RegExp(`class ${classes - 1}`));
    const md = markdownSnippet(result);
    assert.match(md, /\| tiny &lt;model&gt; \|/);
  }
});

test('a huge frame set stays under the report size bound: a bounded, evenly spaced filmstrip', () => {
  const steps = 4096;
  const result = largeResult(steps, 2);
  // 4096 frames of 100 kB each: 400 MB if every one were embedded.
  const uri = `data:image/png;base64,${'A'.repeat(100_000)}`;
  const html = renderReport('huge', [
    { title: 'huge', result, frameUris: result.frames.map(() => uri) },
  ]);
  const images = html.match(/<img /g) ?? [];
  assert.equal(images.length, REPORT_LIMITS.stripFrames);
  assert.ok(html.length < REPORT_LIMITS.embeddedChars + 1_000_000, String(html.length));
  assert.match(html, /alt="step 0"/);
  assert.match(html, /alt="step 4095"/);
  assert.match(html, /shows 64 of the 4096 steps/);
  // Past the budget, frames are left out and the report says so.
  const big = `data:image/png;base64,${'A'.repeat(REPORT_LIMITS.embeddedChars / 4)}`;
  const capped = renderReport('capped', [
    { title: 'capped', result, frameUris: result.frames.map(() => big) },
  ]);
  assert.ok(capped.length < REPORT_LIMITS.embeddedChars + 1_000_000);
  assert.match(capped, /reached its size limit/);
  assert.deepEqual(reportFrameIndices(5), [0, 1, 2, 3, 4]);
  assert.deepEqual(reportFrameIndices(0), []);
  const spaced = reportFrameIndices(4096);
  assert.equal(spaced.length, 64);
  assert.equal(spaced.at(-1), 4095);
});
