import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderReport } from '../../../src/extension/share/reportHtml';
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
