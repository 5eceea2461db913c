import assert from 'node:assert/strict';
import { test } from 'node:test';

import { markdownSnippet, mdText } from '../../../src/extension/share/markdown';
import type { ResultFile } from '../../../src/shared/resultFile';
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
    /\| tiny &lt;model&gt; \| 1 \| [\d.e-]+( \\\*)? \| 1 \\\(cat→dog at 0\.75\\\) \| cat \\\(lost\\\) \|/,
  );
  assert.match(text, /!\[first\]\(explanations\/x\.frames\/000\.png\)/);
  assert.match(text, /50 permutations/);
  const pipes = { ...result, image: { ...result.image, path: 'a|b.png' } };
  assert.match(markdownSnippet(pipes), /a\\\|b\.png/);
});

/** What a hostile result puts in a reviewer's PR comment, in every field that is shown. */
const HOSTILE = [
  '<img src=https://evil.example/x.png>',
  '[click](https://evil.example)',
  '![pixel](https://evil.example/p.png)',
  '<https://evil.example>',
  'see www.evil.example or https://evil.example/a',
  '@octocat please merge',
  'fixes #123 and a@b.example',
  '`code` **bold** _em_ ~~strike~~ $x^2$',
  'line\nbreak\r\n| fake | row |',
  '<script>alert(1)</script> &lt;b&gt;',
  '\\[escaped\\](link)',
];

function hostileResult(text: string): ResultFile {
  const base = sampleResult();
  const model = base.models[0];
  assert.ok(model !== undefined);
  return {
    ...base,
    image: { ...base.image, path: text },
    editor: { ...base.editor, title: text, params: { [text]: text } },
    quality: { ...base.quality, clean: false, message: text },
    models: [{ ...model, name: text, labels: [text, text] }],
  };
}

test('every field is escaped: no HTML, no link, image, autolink, mention or table break', () => {
  for (const text of HOSTILE) {
    const md = markdownSnippet(hostileResult(text), { first: 'a (1).png', last: 'b).png' });
    assert.ok(!md.includes('<'), `raw < in: ${md}`);
    assert.ok(!md.includes('>'), `raw > in: ${md}`);
    assert.ok(!/(^|[^\\])\]\(/.test(md.replace(/!\[(first|last)\]\([^)]*\)/g, '')), md);
    assert.ok(!/:\/\//.test(md), `a live URL in: ${md}`);
    assert.ok(!/www\./i.test(md), `a live www. link in: ${md}`);
    assert.ok(!/@[a-z0-9]/i.test(md), `a live mention in: ${md}`);
    assert.ok(!/#[0-9]/.test(md), `a live issue reference in: ${md}`);
    assert.ok(!/(^|[^\\])[`*_~$]/.test(md.replace(/\*\*PropSweep\*\*/, '')), md);
    // Every table row keeps its five cells: a | in a field cannot add one.
    const lines = md.split('\n');
    const table = lines.slice(lines.indexOf('| model | EPGM | p | flips | source class |'));
    for (const line of table.slice(0, table.indexOf('')))
      assert.equal(line.replace(/\\\|/g, '').split('|').length, 7, line);
    assert.equal(md.split('\n').filter((l) => l.startsWith('| model')).length, 1);
  }
  // Frame links are percent-encoded, so a ) in a folder name cannot close the link early.
  const md = markdownSnippet(sampleResult(), { first: 'a (1).png', last: 'b).png' });
  assert.match(md, /!\[first\]\(a%20%281%29\.png\)/);
  assert.match(md, /!\[last\]\(b%29\.png\)/);
});

test('escaped text keeps what it says: only markup characters change', () => {
  assert.equal(mdText('dark-cats v1.2'), 'dark-cats v1.2');
  assert.equal(mdText('a_b*c'), 'a\\_b\\*c');
  assert.equal(mdText('<b>'), '&lt;b&gt;');
  assert.equal(mdText('@me'), '@\u200dme');
});

test('GitHub references by GH- number and by commit hash are not linked', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  const text = mdText(`fixes GH-12 and gh-7, see ${sha}, 1a2b3c4 and ${sha.toUpperCase()}`);
  assert.ok(!/gh-\d/i.test(text), text);
  // No run of 7 or more hexadecimal digits is left whole.
  assert.ok(!/[0-9a-f]{7}/i.test(text), text);
  // Only invisible joiners were added.
  assert.equal(
    text.replaceAll('\u200d', ''),
    `fixes GH-12 and gh-7, see ${sha}, 1a2b3c4 and ${sha.toUpperCase()}`,
  );
  // Words that are not hashes stay as they are.
  assert.equal(mdText('deadbeefy 123456 GHz-1 n0144076x'), 'deadbeefy 123456 GHz-1 n0144076x');
  const md = markdownSnippet(hostileResult(`GH-12 ${sha}`));
  assert.ok(!/gh-\d/i.test(md) && !md.includes(sha.slice(0, 7)), md);
});
