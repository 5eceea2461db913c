// What a diffusion editor records, in the HTML report and the Markdown summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdownSnippet } from '../../../src/extension/share/markdown';
import { renderReport } from '../../../src/extension/share/reportHtml';
import type { ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { diffusionResult } from '../diffusionBuilders';

const PNG = 'data:image/png;base64,AAAA';

/** The diffusion sample with a note and a model name someone wrote to inject markup. */
function hostile(): ResultFile {
  const r = diffusionResult();
  const run = r.editor.run;
  assert.ok(run !== undefined);
  return {
    ...r,
    editor: { ...r.editor, run: { ...run, notes: ['<img src=x onerror=alert(1)> @someone'] } },
  };
}

test('the report shows the source beside the reconstruction, the jump and the run', () => {
  const result = hostile();
  const html = renderReport('t', [
    { title: 't', result, frameUris: result.frames.map(() => PNG), sourceUri: `${PNG}S` },
  ]);
  assert.match(html, /<img src="data:image\/png;base64,AAAAS" alt="Source">/);
  assert.match(html, /alt="Reconstruction"><figcaption>Reconstruction \(guidance 1\)/);
  assert.match(html, /differs by 4\.1 % in pixels/);
  assert.match(
    html,
    /<td>tiny &#60;model&#62;<\/td><td>P\(cat\) 0\.990 → 1\.000<\/td><td class="num">1 %/,
  );
  assert.match(html, /Editor run: 20 denoising steps, 91 UNet calls, 1,821 image evaluations/);
  assert.match(html, /64 × 48 px on cuda/);
  assert.match(html, /<p class="warning">&#60;img src=x onerror=alert\(1\)&#62;/);
  assert.ok(!html.includes('<img src=x'), 'notes are escaped');
  // The seeds: a band per curve and the EPGM over seeds on the card, beside the path's own.
  assert.match(html, /<polygon class="band"/);
  assert.match(html, /EPGM over seeds<\/th><td>1 ± 0\.1 over 3 seeds/);
  assert.match(html, /the path shown \(seed 0\)/);
  assert.ok(!/(src|href)="(?!data:)/.test(html), 'no external resources');
});

test('without a source image the report still gives the jump; a pixel editor gets none of it', () => {
  const result = diffusionResult();
  const html = renderReport('t', [{ title: 't', result, frameUris: result.frames.map(() => PNG) }]);
  assert.ok(!html.includes('alt="Source"'));
  assert.match(html, /source → first frame/);
  const plain = sampleResult();
  const text = renderReport('t', [{ title: 't', result: plain, frameUris: [] }]);
  assert.ok(!/Editor run|source → first|class="band"|over seeds/.test(text));
});

test('the Markdown summary has the EPGM over seeds, the jump and the run, as plain text', () => {
  const md = markdownSnippet(hostile(), {
    first: 'a/000.png',
    last: 'a/004.png',
    source: 'a/source.png',
  });
  assert.match(md, /\| model \| EPGM \| EPGM over seeds \| p \| flips \| source class \|/);
  assert.match(md, /\| 1 ± 0\.1 over 3 seeds \\\(seeds 0, 1, 2; flips 1 to 2\\\) \|/);
  assert.match(
    md,
    /Source → first frame .*pixel change 4\.1 %; tiny &lt;model&gt;: P\\\(cat\\\) 0\.990 → 1\.000 \\\(moved 1 %\\\)/,
  );
  assert.match(md, /Editor run: 20 denoising steps, 91 UNet calls/);
  assert.match(md, /⚠ &lt;img src=x onerror=alert\\\(1\\\)&gt; @\u200dsomeone/);
  assert.match(
    md,
    /\| source \| t = 0 \| t = 1 \|\n\| --- \| --- \| --- \|\n\| !\[source\]\(a\/source\.png\) \|/,
  );
  const plain = markdownSnippet(sampleResult());
  assert.ok(!/over seeds|Source →|Editor run/.test(plain));
});
