// Reading a model's tokenizer/ folder: both forms an export writes (tokenizer.json, or vocab.json
// + merges.txt) give the same ids, and every bad folder is refused with an editor input error
// that names the file and the export command. Ids are the fixture's
// (scripts/diffusion/tokenizerFixture.ts): make</w> 516, the</w> 513, fur</w> 518, white</w> 522,
// <|startoftext|> 536, <|endoftext|> 537, "!" 33.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { tokenizerFiles } from '../../../scripts/diffusion/tokenizerFixture';
import { loadClipTokenizer } from '../../../src/extension/text/tokenizerFiles';
import { TokenizerInputError } from '../../../src/extension/text/errors';

const root = mkdtempSync(join(tmpdir(), 'propsweep-tokenizer-'));
let folders = 0;

const PROMPT = 'make the fur white';
/** bos, make</w>, the</w>, fur</w>, white</w>, eos, then padding with <|endoftext|>. */
const EXPECTED = [536, 516, 513, 518, 522, 537, ...Array<number>(71).fill(537)];

type Json = Record<string, unknown>;

/** The fixture's files of one form as text, by name. */
function fixture(form: 'json' | 'bpe'): Map<string, string> {
  return new Map(
    tokenizerFiles(form).map((file) => [file.name, new TextDecoder().decode(file.bytes)]),
  );
}

/** The fixture's JSON file `name` of `form`, parsed. */
function fixtureJson(form: 'json' | 'bpe', name: string): Json {
  return JSON.parse(fixture(form).get(name) ?? '') as Json;
}

/** A new folder holding `files` (text, or JSON values written as JSON). */
function folderWith(files: ReadonlyMap<string, unknown>): string {
  const folder = join(root, `tokenizer${String(folders++)}`);
  mkdirSync(folder);
  for (const [name, content] of files)
    writeFileSync(
      join(folder, name),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  return folder;
}

/** The fixture's files of `form` with some replaced (undefined: left out). */
function fixtureFolder(form: 'json' | 'bpe', changes: Record<string, unknown> = {}): string {
  const files = new Map<string, unknown>(fixture(form));
  for (const [name, content] of Object.entries(changes))
    if (content === undefined) files.delete(name);
    else files.set(name, content);
  return folderWith(files);
}

/** tokenizer.json with its model changed by `change`. */
function withModel(change: (model: Json) => void): Json {
  const json = fixtureJson('json', 'tokenizer.json');
  change(json.model as Json);
  return json;
}

async function ids(folder: string, text = PROMPT): Promise<number[]> {
  return Array.from((await loadClipTokenizer(folder)).encode(text));
}

async function refused(folder: string, why: RegExp): Promise<void> {
  await assert.rejects(loadClipTokenizer(folder), (error: unknown) => {
    assert.ok(error instanceof TokenizerInputError, String(error));
    assert.match(error.message, why);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('tokenizer.json and vocab.json + merges.txt give the same ids', async () => {
  assert.deepEqual(await ids(fixtureFolder('json')), EXPECTED);
  assert.deepEqual(await ids(fixtureFolder('bpe')), EXPECTED);
  const tokenizer = await loadClipTokenizer(fixtureFolder('bpe'));
  assert.equal(tokenizer.maxLength, 77);
  assert.equal(tokenizer.vocabSize, 538);
});

test('merges may be "a b" strings or [a, b] pairs', async () => {
  const pairs = withModel((model) => {
    model.merges = (model.merges as string[]).map((merge) => merge.split(' '));
  });
  assert.deepEqual(await ids(fixtureFolder('json', { 'tokenizer.json': pairs })), EXPECTED);
});

test('merges.txt may have Windows line ends and blank lines', async () => {
  const merges = fixture('bpe').get('merges.txt') ?? '';
  const crlf = `${merges.replaceAll('\n', '\r\n')}\r\n\r\n`;
  assert.deepEqual(await ids(fixtureFolder('bpe', { 'merges.txt': crlf })), EXPECTED);
});

test('without configs, tokenizer.json names its special tokens, padding and length', async () => {
  // No tokenizer_config.json: begin and end from the post-processor, padding with the end token,
  // 77 ids.
  assert.deepEqual(
    await ids(fixtureFolder('json', { 'tokenizer_config.json': undefined })),
    EXPECTED,
  );
  const json = fixtureJson('json', 'tokenizer.json');
  json.padding = { strategy: 'BatchLongest', pad_token: '!', pad_id: 33 };
  json.truncation = { max_length: 8, strategy: 'LongestFirst' };
  const folder = fixtureFolder('json', {
    'tokenizer.json': json,
    'tokenizer_config.json': undefined,
  });
  // bos, make</w>, the</w>, fur</w>, white</w>, eos, "!", "!".
  assert.deepEqual(await ids(folder), [536, 516, 513, 518, 522, 537, 33, 33]);
});

test('the configs name the pad token and the length, the map over the config', async () => {
  const config = fixtureJson('bpe', 'tokenizer_config.json');
  config.model_max_length = 7;
  const map = fixtureJson('bpe', 'special_tokens_map.json');
  map.pad_token = { content: '!', normalized: false };
  const folder = fixtureFolder('bpe', {
    'tokenizer_config.json': config,
    'special_tokens_map.json': map,
  });
  // Stable Diffusion 2 pads with "!": bos, 4 words, eos, "!" (33).
  assert.deepEqual(await ids(folder), [536, 516, 513, 518, 522, 537, 33]);
  // vocab.json and merges.txt alone: CLIP's names, padding with the end token, 77 ids.
  const bare = fixtureFolder('bpe', {
    'tokenizer_config.json': undefined,
    'special_tokens_map.json': undefined,
  });
  assert.deepEqual(await ids(bare), EXPECTED);
});

test('a folder without the files is refused, saying which files it needs', async () => {
  const hint = /Export the model again with optimum-cli export onnx/;
  const empty = folderWith(new Map());
  await refused(empty, /has no tokenizer\.json and no vocab\.json \+ merges\.txt/);
  await refused(empty, hint);
  await refused(
    fixtureFolder('bpe', { 'merges.txt': undefined }),
    /no merges\.txt: it needs tokenizer\.json, or vocab\.json with merges\.txt/,
  );
  await refused(fixtureFolder('bpe', { 'vocab.json': undefined }), /no vocab\.json/);
  await refused(join(root, 'nowhere'), /has no tokenizer\.json/);
});

test('malformed files are refused, naming the file', async () => {
  await refused(
    fixtureFolder('json', { 'tokenizer.json': '{"model": ' }),
    /tokenizer\.json is not valid JSON/,
  );
  await refused(fixtureFolder('bpe', { 'vocab.json': '[1, 2' }), /vocab\.json is not valid JSON/);
  await refused(
    fixtureFolder('bpe', { 'tokenizer_config.json': '{,}' }),
    /tokenizer_config\.json is not valid JSON/,
  );
  await refused(
    fixtureFolder('bpe', { 'special_tokens_map.json': [] }),
    /special_tokens_map\.json: it must be a JSON object/,
  );
  await refused(
    fixtureFolder('json', { 'tokenizer.json': { version: '1.0' } }),
    /tokenizer\.json: it has no "model" object/,
  );
  await refused(
    fixtureFolder('bpe', { 'merges.txt': '#version: 0.2\nt h\nth e</w> x\n' }),
    /merges\.txt: line 3 is "th e<\/w> x", not two symbols/,
  );
  const badMerge = withModel((model) => {
    model.merges = [['t', 'h'], ['th']];
  });
  await refused(
    fixtureFolder('json', { 'tokenizer.json': badMerge }),
    /model\.merges\[1\] is \["th"\]/,
  );
  const badId = withModel((model) => {
    (model.vocab as Json).a = '97';
  });
  await refused(
    fixtureFolder('json', { 'tokenizer.json': badId }),
    /model\.vocab gives "a" the id "97", not a number/,
  );
  const config = fixtureJson('bpe', 'tokenizer_config.json');
  config.bos_token = 5;
  await refused(
    fixtureFolder('bpe', { 'tokenizer_config.json': config, 'special_tokens_map.json': undefined }),
    /tokenizer_config\.json: bos_token must be a token/,
  );
});

test('a value nested too deep or too long is quoted short, in one line', async () => {
  // JSON.parse takes any depth, but quoting such a value with JSON.stringify overflowed the stack;
  // a long one was quoted whole, up to the 32 MiB of a file.
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const long = 'x'.repeat(100_000);
  /** `json` written with the text `raw` in place of the string PLACE. */
  const PLACE = '<deep>';
  const put = (json: unknown, raw: string): string =>
    JSON.stringify(json).replace(`"${PLACE}"`, raw);
  const bpeJson = (name: string, change: (json: Json) => void): Json => {
    const json = fixtureJson('bpe', name);
    change(json);
    return json;
  };
  const cases: [string, RegExp][] = [
    [
      fixtureFolder('bpe', { 'vocab.json': `{"a": ${deep}}` }),
      /vocab\.json: it gives "a" the id .{1,80}, not a number/,
    ],
    [
      fixtureFolder('bpe', { 'vocab.json': { [long]: '1' } }),
      /vocab\.json: it gives "x+\.\.\. the id "1", not a number/,
    ],
    [
      fixtureFolder('json', {
        'tokenizer.json': put(
          withModel((model) => {
            model.merges = [PLACE];
          }),
          deep,
        ),
      }),
      /model\.merges\[0\] is .{1,80}, not "left right"/,
    ],
    [
      fixtureFolder('json', {
        'tokenizer.json': put(
          withModel((model) => {
            model.type = PLACE;
          }),
          deep,
        ),
      }),
      /its model is .{1,80}, not CLIP's byte-level "BPE"/,
    ],
    [
      fixtureFolder('json', {
        'tokenizer.json': withModel((model) => {
          model.end_of_word_suffix = long;
        }),
      }),
      /its BPE ends words with "x+\.\.\., not CLIP's "<\/w>"/,
    ],
    [
      fixtureFolder('bpe', {
        'special_tokens_map.json': put(
          bpeJson('special_tokens_map.json', (map) => {
            map.bos_token = PLACE;
          }),
          deep,
        ),
      }),
      /special_tokens_map\.json: bos_token must be a token .*, got .{1,80}\. Export/,
    ],
    [
      fixtureFolder('bpe', {
        'tokenizer_config.json': put(
          bpeJson('tokenizer_config.json', (config) => {
            config.model_max_length = PLACE;
          }),
          deep,
        ),
      }),
      /tokenizer_config\.json: model_max_length is .{1,80}; a CLIP text encoder takes 77/,
    ],
    // Refused by the tokenizer itself, which quotes the tokens it cannot use.
    [
      fixtureFolder('bpe', {
        'special_tokens_map.json': bpeJson('special_tokens_map.json', (map) => {
          map.bos_token = long;
        }),
      }),
      /its vocabulary has no entry for the begin token "x+\.\.\./,
    ],
    [
      fixtureFolder('json', {
        'tokenizer.json': withModel((model) => {
          (model.vocab as Json)[long] = -1;
        }),
      }),
      /its vocabulary gives "x+\.\.\. the id -1/,
    ],
    [
      fixtureFolder('bpe', { 'merges.txt': `#version: 0.2\nt ${long}\n` }),
      /its merge 1 \("t" "x+\.\.\.\) uses "x+\.\.\., which is not in its vocabulary/,
    ],
  ];
  for (const [folder, why] of cases) {
    await refused(folder, why);
    await assert.rejects(loadClipTokenizer(folder), (error: Error) => {
      assert.ok(error.message.length < 1000, `${error.message.length} characters`);
      return true;
    });
  }
});

test('a tokenizer that is not CLIP’s BPE is refused', async () => {
  const unigram = withModel((model) => {
    model.type = 'Unigram';
  });
  await refused(
    fixtureFolder('json', { 'tokenizer.json': unigram }),
    /tokenizer\.json: its model is "Unigram", not CLIP's byte-level "BPE"/,
  );
  // GPT-2's BPE ends no word with </w>.
  const gpt2 = withModel((model) => {
    model.end_of_word_suffix = null;
  });
  await refused(
    fixtureFolder('json', { 'tokenizer.json': gpt2 }),
    /its BPE ends words with null, not CLIP's "<\/w>"/,
  );
});

test('a special token missing from the vocabulary is refused', async () => {
  const map = fixtureJson('bpe', 'special_tokens_map.json');
  map.bos_token = '<s>';
  await refused(
    fixtureFolder('bpe', { 'special_tokens_map.json': map }),
    /tokenizer in .* \(vocab\.json, merges\.txt\) cannot be used: its vocabulary has no entry for the begin token "<s>"/,
  );
  const noEos = withModel((model) => {
    delete (model.vocab as Json)['<|endoftext|>'];
  });
  const json = fixtureJson('json', 'tokenizer.json');
  const withoutAdded = { ...noEos, added_tokens: (json.added_tokens as Json[]).slice(0, 1) };
  await refused(
    fixtureFolder('json', { 'tokenizer.json': withoutAdded }),
    /\(tokenizer\.json\) cannot be used: its vocabulary has no entry for the end token "<\|endoftext\|>"/,
  );
});

test('an absurd length is refused', async () => {
  const config = fixtureJson('bpe', 'tokenizer_config.json');
  config.model_max_length = 1e30; // transformers' "no limit"
  await refused(
    fixtureFolder('bpe', { 'tokenizer_config.json': config }),
    /tokenizer_config\.json: model_max_length is 1e\+30; a CLIP text encoder takes 77 tokens/,
  );
});

test('an oversized or irregular file is refused without being read', async () => {
  const folder = fixtureFolder('json');
  // Sparse: 33 MiB on paper, nothing on disk.
  truncateSync(join(folder, 'tokenizer.json'), 33 * 1024 * 1024);
  await refused(
    folder,
    /tokenizer file .*tokenizer\.json cannot be read: it has 33 MiB, more than the limit of 32 MiB/,
  );
  const dir = fixtureFolder('bpe');
  mkdirSync(join(dir, 'tokenizer.json'));
  await refused(dir, /tokenizer\.json cannot be read: it is not a regular file but a folder/);
});
