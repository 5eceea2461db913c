// Parsing a CLIP prompts file: classes in order of first appearance, `class: prompt` grouping,
// comments and blank lines skipped, and every refusal naming the file and the line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { parsePrompts, PROMPT_LIMITS, readPrompts } from '../../../src/extension/models/prompts';
import { ModelInputError } from '../../../src/extension/models/types';
import { assertRefuses, assertRejects } from './helpers';

const PATH = '/p/prompts.txt';

test('one class per plain line, grouped classes in order of first appearance', () => {
  const set = parsePrompts(
    '# dark or light fur\r\ncat: a photo of a cat\n\n  dog  \ncat : a white cat\nthe beach\n',
    PATH,
  );
  assert.deepEqual(set.prompts, ['a photo of a cat', 'dog', 'a white cat', 'the beach']);
  assert.deepEqual(set.classes, [
    { label: 'cat', prompts: [0, 2] },
    { label: 'dog', prompts: [1] },
    { label: 'the beach', prompts: [3] },
  ]);
});

test('a plain line joins the class of its own name; only the first ":" separates', () => {
  const set = parsePrompts('cat: a cat\ncat\nsign: a sign reading: stop\n', PATH);
  assert.deepEqual(set.classes, [
    { label: 'cat', prompts: [0, 1] },
    { label: 'sign', prompts: [2] },
  ]);
  assert.equal(set.prompts[2], 'a sign reading: stop');
});

test('refusals name the file and the line and say what to do', () => {
  assertRefuses(() => parsePrompts('# only a comment\n\n', PATH), {
    names: PATH,
    says: [/has no prompts/, /one prompt per line/],
  });
  assertRefuses(() => parsePrompts('cat\n: a cat\n', PATH), {
    names: `${PATH} line 2`,
    says: [/no class name before ":"/],
  });
  assertRefuses(() => parsePrompts('cat:   \n', PATH), {
    names: `${PATH} line 1`,
    says: [/names the class "cat" but no prompt/],
  });
  assertRefuses(() => parsePrompts('a cat\ndog\ncat: a cat\n', PATH), {
    names: `${PATH} line 3`,
    says: [/repeats the prompt "a cat" of line 1/, /Remove one/],
  });
  const long = 'x'.repeat(PROMPT_LIMITS.chars + 1);
  assertRefuses(() => parsePrompts(`cat: ${long}\n`, PATH), {
    names: `${PATH} line 1`,
    says: [/the prompt has 257 characters; at most 256/],
  });
  assertRefuses(() => parsePrompts(`${long}: a cat\n`, PATH), {
    names: `${PATH} line 1`,
    says: [/the class name has 257 characters/],
  });
});

test('a refusal quotes a long line or class name short', () => {
  // Both are refused before the length check: the whole line was quoted, up to the 1 MiB file.
  const long = 'x'.repeat(100_000);
  for (const [text, says] of [
    [`: ${long}\n`, /line 1 has no class name before ":" \(": x+\.\.\.\)/],
    [`${long}:\n`, /line 1 names the class "x+\.\.\. but no prompt after ":"/],
  ] as const) {
    assert.throws(
      () => parsePrompts(text, PATH),
      (error: unknown) => {
        assert.ok(error instanceof ModelInputError, String(error));
        assert.match(error.message, says);
        assert.ok(error.message.length < 1000, `${error.message.length} characters`);
        return true;
      },
    );
  }
});

test('at most PROMPT_LIMITS.prompts prompts', () => {
  const lines = (n: number): string => Array.from({ length: n }, (_, k) => `p${k}`).join('\n');
  assert.equal(parsePrompts(lines(PROMPT_LIMITS.prompts), PATH).prompts.length, 1000);
  assertRefuses(() => parsePrompts(lines(PROMPT_LIMITS.prompts + 1), PATH), {
    names: PATH,
    says: [/more than 1000 prompts/],
  });
});

test('readPrompts: the sha256 of the bytes, a BOM dropped; missing, binary and huge files refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-prompts-'));
  const bytes = Buffer.from('\uFEFFcat\ndog\n');
  const file = join(dir, 'ok.txt');
  writeFileSync(file, bytes);
  const read = await readPrompts(file);
  assert.deepEqual(read.set.prompts, ['cat', 'dog']);
  assert.equal(read.sha256, createHash('sha256').update(bytes).digest('hex'));
  const missing = join(dir, 'missing.txt');
  await assertRejects(readPrompts(missing), { names: missing, says: [/does not exist/] });
  const binary = join(dir, 'binary.txt');
  writeFileSync(binary, Buffer.from([0x63, 0xff, 0xfe, 0x0a]));
  await assertRejects(readPrompts(binary), { names: binary, says: [/not UTF-8 text/] });
  const huge = join(dir, 'huge.txt');
  writeFileSync(huge, Buffer.alloc(PROMPT_LIMITS.bytes + 1, 0x61));
  await assertRejects(readPrompts(huge), { names: huge, says: [/more than the limit of 1/] });
});
