import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdownSnippet } from '../../../src/extension/share/markdown';
import { sampleResult } from '../builders';

test('the pull-request snippet is a score table with flips and frame links', () => {
  const result = sampleResult();
  const text = markdownSnippet(result, {
    first: 'explanations/x.frames/000.png',
    last: 'explanations/x.frames/004.png',
  });
  assert.match(text, /\| model \| EPGM \| p \| flips \| source class \|/);
  assert.match(
    text,
    /\| tiny <model> \| 1 \| [\d.e-]+ \| 1 \(cat→dog at 0\.75\) \| cat \(lost\) \|/,
  );
  assert.match(text, /!\[first\]\(explanations\/x\.frames\/000\.png\)/);
  assert.match(text, /50 permutations/);
  const pipes = { ...result, image: { ...result.image, path: 'a|b.png' } };
  assert.match(markdownSnippet(pipes), /a\\\|b\.png/);
});
