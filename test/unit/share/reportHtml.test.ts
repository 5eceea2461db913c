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
