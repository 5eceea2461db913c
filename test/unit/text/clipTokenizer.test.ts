// CLIP's BPE tokenizer against ids worked out by hand from the fixture vocabulary
// (scripts/diffusion/tokenizerFixture.ts): byte b has id b, the same symbol ending a word
// (`</w>`) has 256 + b, merge r makes id 512 + r, then <|startoftext|> 536 and <|endoftext|> 537.
// Byte values are ASCII codes or, past ASCII, the UTF-8 bytes written next to each case.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { tokenizerFiles } from '../../../scripts/diffusion/tokenizerFixture';
import {
  byteAlphabet,
  createClipTokenizer,
  MAX_ADDED_TOKENS,
  MAX_TOKENIZER_TEXT,
  type ClipTokenizerSpec,
} from '../../../src/extension/text/clipTokenizer';
import { TokenizerInputError } from '../../../src/extension/text/errors';

const BOS = 536;
const EOS = 537;
/** Ids of word-ending symbols: 256 + the byte. */
const end = (char: string): number => 256 + char.charCodeAt(0);
/** Ids of the fixture's merges (512 + rank). */
const ID = {
  the: 513, // th e</w>
  ma: 514,
  make: 516, // ma ke</w>
  fur: 518, // fu r</w>
  white: 522, // whit e</w>
  ca: 523,
  cat: 524, // ca t</w>
  beach: 528, // beac h</w>
  night: 532, // nigh t</w>
  it: 533, // i t</w>
  s: 534, // ' s</w>
  do: 535, // d o (no merge with g</w>)
};

/** The fixture's vocabulary and merges, read from its vocab.json and merges.txt bytes. */
function fixtureSpec(): ClipTokenizerSpec {
  const files = new Map(
    tokenizerFiles('bpe').map((f) => [f.name, new TextDecoder().decode(f.bytes)]),
  );
  const vocab = JSON.parse(files.get('vocab.json') ?? '') as Record<string, number>;
  const merges = (files.get('merges.txt') ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(' ') as [string, string]);
  return {
    vocab: new Map(Object.entries(vocab)),
    merges,
    bos: '<|startoftext|>',
    eos: '<|endoftext|>',
    pad: '<|endoftext|>',
    unk: '<|endoftext|>',
    maxLength: 77,
  };
}

const tokenizer = createClipTokenizer(fixtureSpec());

/** The text's ids between the begin and the end token. */
function textIds(text: string, t = tokenizer): number[] {
  const ids = Array.from(t.encode(text));
  assert.equal(ids.length, t.maxLength);
  assert.equal(ids[0], t.bosId);
  const eos = ids.indexOf(t.eosId, 1);
  assert.ok(eos > 0, 'has an end token');
  assert.ok(
    ids.slice(eos + 1).every((id) => id === t.padId),
    'padded after the end token',
  );
  return ids.slice(1, eos);
}

test('the byte-level alphabet is GPT-2 and CLIP’s', () => {
  const alphabet = byteAlphabet();
  assert.equal(alphabet.length, 256);
  assert.equal(new Set(alphabet).size, 256);
  // Printable bytes stand for themselves; the rest count up from U+0100 in byte order: byte 0 is
  // U+0100 'Ā', newline (10) U+010A 'Ċ', space (32, the 33rd) U+0120 'Ġ' (GPT-2's famous space),
  // DEL (127, the 34th) U+0121 'ġ', soft hyphen (173, the 68th and last) U+0143 'Ń'.
  assert.deepEqual(
    [0, 10, 32, 33, 126, 127, 160, 161, 172, 173, 174, 255].map((b) => alphabet[b]),
    ['Ā', 'Ċ', 'Ġ', '!', '~', 'ġ', 'ł', '¡', '¬', 'Ń', '®', 'ÿ'],
  );
});

test('whole words become single tokens through their merges', () => {
  // make -> m a k e</w> -> ma, ke</w> (ranks 2, 3) -> make</w> (rank 4); the -> th e</w> ->
  // the</w>; fur -> fu r</w> -> fur</w>; white -> wh, it, whit, white</w>.
  assert.deepEqual(textIds('make the fur white'), [ID.make, ID.the, ID.fur, ID.white]);
  // a -> the byte symbol a</w> (256 + 97) with no merge; on -> o (111), n</w> (256 + 110): no
  // merge; at -> a (97), t</w> (256 + 116): "a t</w>" is no merge (only "ca t</w>" is).
  assert.deepEqual(textIds('a cat on the beach at night'), [
    end('a'),
    ID.cat,
    111,
    end('n'),
    ID.the,
    ID.beach,
    97,
    end('t'),
    ID.night,
  ]);
});

test('a partial merge leaves the word in pieces', () => {
  // dog -> d o g</w> -> do (rank 23), g</w> (256 + 103): there is no "do g</w>".
  assert.deepEqual(textIds('dog'), [ID.do, end('g')]);
});

test('the lowest merge rank goes first, wherever it is in the word', () => {
  // ithe -> i t h e</w>: "i t" (rank 8) is leftmost, but "t h" (rank 0) wins: i th e</w>, then
  // "th e</w>" (rank 1): i (105), the</w>. Left to right greedily would give it, h, e</w>.
  assert.deepEqual(textIds('ithe'), [105, ID.the]);
});

test('every occurrence of the chosen pair is merged, left to right', () => {
  // mamam -> m a m a m</w>: "m a" twice -> ma, ma, m</w> (256 + 109).
  assert.deepEqual(textIds('mamam'), [ID.ma, ID.ma, end('m')]);
  // caaa -> c a a a</w>: "c a" -> ca, a, a</w> ("a a" is no merge).
  assert.deepEqual(textIds('caaa'), [ID.ca, 97, end('a')]);
});

test('upper case, white-space runs and the ends of the text do not change the ids', () => {
  const expected = [ID.make, ID.the, ID.fur];
  assert.deepEqual(textIds('MAKE The fUR'), expected);
  assert.deepEqual(textIds('  make\t\n the \u00a0\u3000 fur \r\n'), expected);
});

test('punctuation, contractions and digits split as CLIP splits them', () => {
  // "white!!cat?" -> white | !! | cat | ?: "!!" is one piece, ! (33) and !</w> (256 + 33).
  assert.deepEqual(textIds('white!!cat?'), [ID.white, 33, end('!'), ID.cat, end('?')]);
  // "it's" -> it | 's: i t</w> -> it</w>; ' s</w> -> 's</w>. "IT'S" lower-cased first.
  assert.deepEqual(textIds("it's"), [ID.it, ID.s]);
  assert.deepEqual(textIds("IT'S"), [ID.it, ID.s]);
  // Digits are one piece each: 4</w> (256 + 52), 2</w> (256 + 50).
  assert.deepEqual(textIds('42'), [end('4'), end('2')]);
});

test('text outside ASCII falls back to its UTF-8 bytes', () => {
  // café (NFC: é is U+00E9, UTF-8 C3 A9) -> c a f Ã ©</w> -> ca, f (102), Ã (0xC3 = 195),
  // ©</w> (256 + 0xA9 = 425).
  const cafe = [ID.ca, 102, 195, 425];
  assert.deepEqual(textIds('café'), cafe);
  // The same word decomposed (e + U+0301) is composed first: without NFC the combining accent
  // (not a letter) would be a piece of its own.
  assert.deepEqual(textIds('cafe\u0301'), cafe);
  // 🐱 (U+1F431, UTF-8 F0 9F 90 B1) is a piece of its own: 240, 159, 144, 256 + 0xB1 = 433.
  assert.deepEqual(textIds('cat🐱'), [ID.cat, 240, 159, 144, 433]);
  // A soft hyphen (U+00AD, UTF-8 C2 AD; not a letter, not white space): 194, 256 + 0xAD = 429.
  assert.deepEqual(textIds('\u00ad'), [194, 429]);
});

test('lower case is taken one code point at a time, as the fast tokenizer takes it', () => {
  // ΟΔΟΣ -> οδοσ, not the final-sigma ς: ο (CE BF), δ (CE B4), ο, σ (CF 83) ->
  // 206, 191, 206, 180, 206, 191, 207, 256 + 0x83 = 387.
  assert.deepEqual(textIds('ΟΔΟΣ'), [206, 191, 206, 180, 206, 191, 207, 387]);
});

test('special tokens in the text are the tokens themselves', () => {
  // a | <|endoftext|> | cat: the end token's id (537) in the middle.
  assert.deepEqual(Array.from(tokenizer.encode('a<|endoftext|>cat').subarray(0, 5)), [
    BOS,
    end('a'),
    EOS,
    ID.cat,
    EOS,
  ]);
});

test('an empty text is the begin and end tokens and padding', () => {
  const expected = [BOS, EOS, ...Array<number>(75).fill(EOS)];
  assert.deepEqual(Array.from(tokenizer.encode('')), expected);
  assert.deepEqual(Array.from(tokenizer.encode(' \n\t ')), expected);
  assert.equal(tokenizer.countTruncated(''), 0);
});

test('padding uses the pad token, not the end token', () => {
  // Stable Diffusion 2 pads with "!" (here id 33).
  const t = createClipTokenizer({ ...fixtureSpec(), pad: '!' });
  assert.equal(t.padId, 33);
  assert.deepEqual(Array.from(t.encode('cat')), [BOS, ID.cat, EOS, ...Array<number>(74).fill(33)]);
});

test('a long text is truncated to 75 tokens, keeping the end token', () => {
  const cats = (n: number): string => Array<string>(n).fill('cat').join(' ');
  const full = [BOS, ...Array<number>(75).fill(ID.cat), EOS];
  assert.deepEqual(Array.from(tokenizer.encode(cats(75))), full);
  assert.equal(tokenizer.countTruncated(cats(75)), 0);
  assert.deepEqual(Array.from(tokenizer.encode(cats(76))), full);
  assert.equal(tokenizer.countTruncated(cats(76)), 1);
  assert.equal(tokenizer.countTruncated(cats(80)), 5);
  // A shorter maximum length: bos, 3 tokens, eos.
  const short = createClipTokenizer({ ...fixtureSpec(), maxLength: 5 });
  assert.deepEqual(Array.from(short.encode('make the fur white')), [
    BOS,
    ID.make,
    ID.the,
    ID.fur,
    EOS,
  ]);
  assert.equal(short.countTruncated('make the fur white'), 1);
});

test('a text too long to be an instruction is refused', () => {
  // At the limit: one word of 4096 a's, 4096 symbols with no merge ("a a" is none), 75 kept.
  assert.equal(tokenizer.countTruncated('a'.repeat(MAX_TOKENIZER_TEXT)), 4096 - 75);
  assert.throws(
    () => tokenizer.encode(`${'cat '.repeat(MAX_TOKENIZER_TEXT / 4)}x`),
    (error: unknown) =>
      error instanceof TokenizerInputError &&
      /The instruction has 4097 characters; at most 4096 are read/.test(error.message),
  );
});

test('a symbol missing from the vocabulary is the unknown token, or dropped without one', () => {
  const spec = fixtureSpec();
  const vocab = new Map(spec.vocab);
  vocab.delete('z</w>');
  // quiz -> q u i z</w>: "i" "z</w>" is no merge; z</w> is missing -> unk (537, also the end).
  // Padded with "!" (33) so that the end token stands out.
  const quiz = (unk: string | undefined): number[] =>
    Array.from(
      createClipTokenizer({ ...spec, vocab, unk, pad: '!' })
        .encode('quiz')
        .subarray(0, 7),
    );
  assert.deepEqual(quiz('<|endoftext|>'), [BOS, 113, 117, 105, EOS, EOS, 33]);
  assert.deepEqual(quiz(undefined), [BOS, 113, 117, 105, EOS, 33, 33]);
});

test('the sizes and special ids come from the vocabulary', () => {
  assert.equal(tokenizer.vocabSize, 538);
  assert.equal(tokenizer.bosId, BOS);
  assert.equal(tokenizer.eosId, EOS);
  assert.equal(tokenizer.padId, EOS);
  assert.equal(tokenizer.maxLength, 77);
});

test('encoding many different words gives the same ids as before', () => {
  // More words than the cache holds, then the first ones again.
  const before = textIds('make the fur white');
  for (let k = 0; k < 5000; k++) tokenizer.encode(`w${k.toString(36)}x`);
  assert.deepEqual(textIds('make the fur white'), before);
});

test('a broken spec is refused with an editor input error', () => {
  const refused = (spec: ClipTokenizerSpec, why: RegExp): void => {
    assert.throws(
      () => createClipTokenizer(spec),
      (error: unknown) => error instanceof TokenizerInputError && why.test(error.message),
    );
  };
  const spec = fixtureSpec();
  refused({ ...spec, bos: '<s>' }, /no entry for the begin token "<s>"/);
  refused({ ...spec, eos: '</s>' }, /no entry for the end token "<\/s>"/);
  refused({ ...spec, pad: '<pad>' }, /no entry for the padding token "<pad>"/);
  refused({ ...spec, unk: '<unk>' }, /no entry for the unknown token "<unk>"/);
  refused({ ...spec, maxLength: 1 }, /maximum length must be a whole number from 2/);
  refused({ ...spec, maxLength: 77.5 }, /maximum length/);
  refused({ ...spec, maxLength: 1e30 }, /maximum length/);
  refused({ ...spec, vocab: new Map() }, /vocabulary is empty/);
  for (const id of [-1, 1.5, 2 ** 31, Number.NaN])
    refused(
      { ...spec, vocab: new Map([...spec.vocab, ['x', id]]) },
      /gives "x" the id .*whole numbers from 0 to 2147483647/,
    );
  refused({ ...spec, merges: [...spec.merges, ['d', 'og']] }, /merge 25 \("d" "og"\) uses "og"/);
  refused({ ...spec, merges: [['q', 'u']] }, /uses "qu", which is not in its vocabulary/);
});

test('too many added tokens are refused: each is looked for in every text', () => {
  // A 32 MiB tokenizer.json holds hundreds of thousands: each encoding then took seconds.
  const spec = fixtureSpec();
  const tokens = (n: number): string[] => Array.from({ length: n }, (_, k) => `<extra_${k}>`);
  const withAdded = (n: number): ClipTokenizerSpec => ({
    ...spec,
    vocab: new Map([...spec.vocab, ...tokens(n).map((t, k): [string, number] => [t, 600 + k])]),
    addedTokens: tokens(n).map((content) => ({ content, normalized: false })),
  });
  const most = createClipTokenizer(withAdded(MAX_ADDED_TOKENS));
  assert.equal(most.encode('<extra_7>')[1], 607);
  assert.throws(
    () => createClipTokenizer(withAdded(MAX_ADDED_TOKENS + 1)),
    (error: unknown) =>
      error instanceof TokenizerInputError &&
      /it has 1001 added tokens, more than 1000/.test(error.message),
  );
});
