// A tiny CLIP tokenizer for the diffusion fixtures, in both forms a model folder's `tokenizer/`
// takes: Hugging Face's tokenizer.json, or the older vocab.json + merges.txt with their configs.
// Laid out so that a test can work out ids by hand:
//   id b          the byte-level symbol of byte b (0..255), in byte order (CLIP's own file orders
//                 them by its alphabet instead; the ids are read from the file either way);
//   id 256 + b    the same symbol ending a word (`</w>`);
//   id 512 + r    the result of merge r (MERGES below, rank r);
//   then <|startoftext|> and <|endoftext|>.
// The merges make "make", "the", "fur", "white", "a", "cat", "beach", "night", "it" and "'s" single
// tokens and leave "dog" as "do" + "g</w>", so tests see partial merges too. The output is
// deterministic: JSON with a fixed key order and '\n' line endings.

/** One generated file, its name relative to the model's `tokenizer/` folder. */
export interface FixtureFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * GPT-2's byte-level alphabet, as CLIP uses it: printable Latin-1 bytes stand for themselves, the
 * others (controls, space, soft hyphen) for U+0100 onwards in byte order. Written out here on its
 * own so the fixture does not borrow the tokenizer's table that the tests check.
 */
function byteSymbols(): string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0x100;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

/** The merges in rank order; each result (left + right) is one vocabulary entry. */
const MERGES: readonly (readonly [string, string])[] = [
  ['t', 'h'], // 512 th
  ['th', 'e</w>'], // 513 the</w>
  ['m', 'a'], // 514 ma
  ['k', 'e</w>'], // 515 ke</w>
  ['ma', 'ke</w>'], // 516 make</w>
  ['f', 'u'], // 517 fu
  ['fu', 'r</w>'], // 518 fur</w>
  ['w', 'h'], // 519 wh
  ['i', 't'], // 520 it
  ['wh', 'it'], // 521 whit
  ['whit', 'e</w>'], // 522 white</w>
  ['c', 'a'], // 523 ca
  ['ca', 't</w>'], // 524 cat</w>
  ['b', 'e'], // 525 be
  ['a', 'c'], // 526 ac
  ['be', 'ac'], // 527 beac
  ['beac', 'h</w>'], // 528 beach</w>
  ['n', 'i'], // 529 ni
  ['g', 'h'], // 530 gh
  ['ni', 'gh'], // 531 nigh
  ['nigh', 't</w>'], // 532 night</w>
  ['i', 't</w>'], // 533 it</w>
  ["'", 's</w>'], // 534 's</w>
  ['d', 'o'], // 535 do (no "do g</w>": "dog" stays two tokens)
];

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';

/** The vocabulary in id order. */
function vocabList(): string[] {
  const symbols = byteSymbols();
  return [
    ...symbols,
    ...symbols.map((s) => `${s}</w>`),
    ...MERGES.map(([a, b]) => a + b),
    BOS,
    EOS,
  ];
}

/** Entries in the fixture's vocabulary (538: under the 1024 rows of a fixture text encoder). */
export const FIXTURE_VOCAB_SIZE: number = vocabList().length;

function vocabObject(): Record<string, number> {
  return Object.fromEntries(vocabList().map((token, id) => [token, id]));
}

/** An AddedToken as transformers writes it into its JSON files. */
function addedToken(content: string, normalized: boolean): Record<string, unknown> {
  return { content, lstrip: false, normalized, rstrip: false, single_word: false };
}

function jsonFile(name: string, value: unknown): FixtureFile {
  return { name, bytes: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`) };
}

/** tokenizer_config.json as transformers saves it for CLIP (Stable Diffusion 1.x). */
function tokenizerConfig(): FixtureFile {
  return jsonFile('tokenizer_config.json', {
    add_prefix_space: false,
    bos_token: { __type: 'AddedToken', ...addedToken(BOS, true) },
    do_lower_case: true,
    eos_token: { __type: 'AddedToken', ...addedToken(EOS, true) },
    errors: 'replace',
    model_max_length: 77,
    pad_token: EOS,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: { __type: 'AddedToken', ...addedToken(EOS, true) },
  });
}

/** tokenizer.json in Hugging Face tokenizers' format, laid out as CLIP's own. */
function tokenizerJson(): FixtureFile {
  const vocab = vocabObject();
  return jsonFile('tokenizer.json', {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: vocab[BOS], special: true, ...addedToken(BOS, true) },
      { id: vocab[EOS], special: true, ...addedToken(EOS, false) },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex: "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [EOS, vocab[EOS]],
      cls: [BOS, vocab[BOS]],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
  });
}

/**
 * The fixture tokenizer's files: 'json' is tokenizer.json with tokenizer_config.json; 'bpe' is
 * vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json (no tokenizer.json).
 */
export function tokenizerFiles(form: 'json' | 'bpe'): FixtureFile[] {
  if (form === 'json') return [tokenizerJson(), tokenizerConfig()];
  const merges = ['#version: 0.2', ...MERGES.map(([a, b]) => `${a} ${b}`)].join('\n');
  return [
    jsonFile('vocab.json', vocabObject()),
    { name: 'merges.txt', bytes: new TextEncoder().encode(`${merges}\n`) },
    tokenizerConfig(),
    jsonFile('special_tokens_map.json', {
      bos_token: addedToken(BOS, true),
      eos_token: addedToken(EOS, true),
      pad_token: EOS,
      unk_token: addedToken(EOS, true),
    }),
  ];
}
