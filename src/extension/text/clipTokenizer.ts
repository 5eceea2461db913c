// CLIP's byte-level BPE tokenizer, as Hugging Face's CLIPTokenizerFast runs it for Stable
// Diffusion 1.x text encoders: text -> 77 token ids (begin, the tokens, end, padding). Pure: the
// vocabulary and merges come in a spec (tokenizerFiles.ts reads them from a model folder), so no
// id is ever hard-coded here.
//
// The steps, each as the fast tokenizer does them:
//   1. added tokens (the special tokens) are cut out of the text whole: "<|endoftext|>" typed in
//      an instruction is that token, not 13 bytes. Tokens marked `normalized` are looked for in
//      the normalised text, the others in the raw text, leftmost-longest first;
//   2. normalise: NFC, every run of white space (Unicode White_Space, what `\s` means to the
//      fast tokenizer's regex engine) to one space, lower case one code point at a time (the
//      Rust normaliser has no final-sigma rule, so "Σ" at the end of a word is "σ" there too);
//   3. split with CLIP's pattern; the spaces between pieces are dropped;
//   4. each piece's UTF-8 bytes are mapped through the byte-level alphabet (every byte has a
//      printable symbol, so no text is unknown) and the last symbol gets `</w>`;
//   5. BPE: the pair of adjacent symbols with the lowest merge rank is merged, every occurrence
//      left to right, until no pair has a rank (CLIP's reference `bpe`);
//   6. symbols to ids through the vocabulary. A symbol that is not in it (only possible when the
//      vocabulary lacks part of the byte alphabet, never with CLIP's) becomes the unknown token,
//      which CLIP names `<|endoftext|>`; without an unknown token it is dropped, as the fast
//      tokenizer drops it.
import { shown } from '../../shared/coerce';
import { TokenizerInputError } from './errors';

/** A token matched whole in the text before it is split into words (a special token). */
export interface AddedToken {
  readonly content: string;
  /** Looked for in the normalised text (true) or in the text as given (false). */
  readonly normalized: boolean;
}

/** What a CLIP tokenizer is made of; tokenizerFiles.ts reads it from a model's tokenizer/. */
export interface ClipTokenizerSpec {
  readonly vocab: ReadonlyMap<string, number>;
  /** BPE merges, highest priority (rank 0) first. */
  readonly merges: readonly (readonly [string, string])[];
  readonly bos: string;
  readonly eos: string;
  readonly pad: string;
  /** Stands for a symbol missing from the vocabulary; without it such a symbol is dropped. */
  readonly unk?: string | undefined;
  /** Tokens cut out of the text whole; by default bos, eos, pad and unk, looked for as given. */
  readonly addedTokens?: readonly AddedToken[] | undefined;
  /** Ids per text, begin and end tokens included (77 for CLIP). */
  readonly maxLength: number;
}

/** Text to the fixed-length ids a CLIP text encoder takes. */
export interface ClipTokenizer {
  readonly maxLength: number;
  /** The largest id plus one: the rows an embedding table needs. */
  readonly vocabSize: number;
  readonly padId: number;
  readonly bosId: number;
  readonly eosId: number;
  /**
   * Token ids of `text`, exactly maxLength long: bos, the tokens, eos, then pad; truncated keeping
   * eos. A text longer than MAX_TOKENIZER_TEXT is refused with an TokenizerInputError.
   */
  encode(text: string): Int32Array;
  /** How many tokens of the text were dropped by truncation (so the caller can warn). */
  countTruncated(text: string): number;
}

/** The most ids per text a tokenizer may ask for (CLIP's is 77; longer is a broken config). */
export const MAX_TOKENIZER_LENGTH = 4096;

/**
 * The longest text tokenised, in UTF-16 code units. CLIP reads 75 tokens (a few hundred
 * characters); BPE takes time quadratic in a word's length, so a pasted book is refused at once
 * instead of keeping the inference child busy.
 */
export const MAX_TOKENIZER_TEXT = 4096;

/**
 * The most added tokens a tokenizer may have. Each is looked for in every text, again after each
 * one found: CLIP's has 2 (its begin and end tokens), and the hundreds of thousands a 32 MiB
 * tokenizer.json can list would make every prompt take seconds.
 */
export const MAX_ADDED_TOKENS = 1000;

/** Words whose ids are remembered; a prompt repeats words, a path encodes the same text again. */
const CACHE_ENTRIES = 4096;
/** Longer pieces are not cached, so a hostile text cannot fill the cache with huge keys. */
const CACHE_PIECE_CHARS = 100;

/** CLIP's split pattern; `\s` written as White_Space, what it means to the fast tokenizer. */
const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/giu;
const WHITE_SPACE = /\p{White_Space}+/gu;

/**
 * GPT-2's byte-level alphabet, which CLIP uses: bytes that are printable Latin-1 characters
 * ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 (controls, space, no-break
 * space, soft hyphen) take U+0100, U+0101, ... in byte order, so every byte has a visible symbol.
 */
export function byteAlphabet(): readonly string[] {
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const symbols: string[] = [];
  let shifted = 0x100;
  for (let b = 0; b < 256; b++) symbols.push(String.fromCodePoint(printable(b) ? b : shifted++));
  return symbols;
}

const BYTE_SYMBOLS = byteAlphabet();

/** NFC, white-space runs to one space, trimmed, lower case code point by code point. */
export function normalizeClipText(text: string): string {
  const spaced = text.normalize('NFC').replace(WHITE_SPACE, ' ').trim();
  let lower = '';
  for (const c of spaced) lower += c.toLowerCase();
  return lower;
}

/** The words of normalised text, by CLIP's pattern. */
export function splitClipWords(normalized: string): string[] {
  return Array.from(normalized.matchAll(SPLIT), (m) => m[0]);
}

/** A word's byte-level symbols, the last one ending in `</w>`. */
function wordSymbols(word: string): string[] {
  const symbols = Array.from(new TextEncoder().encode(word), (b) => BYTE_SYMBOLS[b] as string);
  const last = symbols.length - 1;
  if (last >= 0) symbols[last] = `${symbols[last] as string}</w>`;
  return symbols;
}

/** Merge ranks by left symbol, then right symbol (nested: symbols may hold any character). */
type Ranks = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * CLIP's BPE on one word: merges the adjacent pair of lowest rank, every occurrence of it left to
 * right, until no adjacent pair has a rank.
 */
function bpe(symbols: readonly string[], ranks: Ranks): readonly string[] {
  let word = symbols;
  while (word.length > 1) {
    let best = Infinity;
    let left = '';
    let right = '';
    for (let i = 0; i + 1 < word.length; i++) {
      const a = word[i] as string;
      const b = word[i + 1] as string;
      const rank = ranks.get(a)?.get(b);
      if (rank !== undefined && rank < best) [best, left, right] = [rank, a, b];
    }
    if (best === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < word.length;) {
      if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
        merged.push(left + right);
        i += 2;
      } else {
        merged.push(word[i] as string);
        i += 1;
      }
    }
    word = merged;
  }
  return word;
}

/** Either text still to tokenise or the id of an added token found in it. */
type Segment = string | number;

/** Cuts added tokens out of `text`, leftmost match first, the longest of those at one place. */
function cutAdded(text: string, tokens: readonly (readonly [string, number])[]): Segment[] {
  if (tokens.length === 0) return [text];
  const out: Segment[] = [];
  let from = 0;
  for (;;) {
    let at = -1;
    let found: readonly [string, number] | undefined;
    for (const token of tokens) {
      const i = text.indexOf(token[0], from);
      if (i < 0) continue;
      if (at < 0 || i < at || (i === at && token[0].length > (found?.[0].length ?? 0))) {
        at = i;
        found = token;
      }
    }
    if (found === undefined) break;
    if (at > from) out.push(text.slice(from, at));
    out.push(found[1]);
    from = at + found[0].length;
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}

function idOf(vocab: ReadonlyMap<string, number>, token: string, role: string): number {
  const id = vocab.get(token);
  if (id === undefined)
    throw new TokenizerInputError(`its vocabulary has no entry for the ${role} ${shown(token)}`);
  return id;
}

/** Tokens are quoted with shown: a file's token may be megabytes long. */
function checkSpec(spec: ClipTokenizerSpec): void {
  const { maxLength } = spec;
  if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > MAX_TOKENIZER_LENGTH)
    throw new TokenizerInputError(
      `its maximum length must be a whole number from 2 (the begin and end tokens) to ${String(MAX_TOKENIZER_LENGTH)}, got ${String(maxLength)}`,
    );
  if (spec.vocab.size === 0) throw new TokenizerInputError('its vocabulary is empty');
  const added = spec.addedTokens?.length ?? 0;
  if (added > MAX_ADDED_TOKENS)
    throw new TokenizerInputError(
      `it has ${String(added)} added tokens, more than ${String(MAX_ADDED_TOKENS)}: each is looked for in every text (CLIP's tokenizer has 2)`,
    );
  for (const [token, id] of spec.vocab)
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff)
      throw new TokenizerInputError(
        `its vocabulary gives ${shown(token)} the id ${String(id)}; ids must be whole numbers from 0 to 2147483647`,
      );
  spec.merges.forEach(([a, b], rank) => {
    for (const token of [a, b, a + b])
      if (!spec.vocab.has(token))
        throw new TokenizerInputError(
          `its merge ${String(rank + 1)} (${shown(a)} ${shown(b)}) uses ${shown(token)}, which is not in its vocabulary`,
        );
  });
}

/**
 * A CLIP tokenizer from its vocabulary and merges. Throws TokenizerInputError (the message says what
 * is wrong with the spec, for the caller to put after the file's name) when a special token is
 * missing from the vocabulary, an id is not a whole number in int32 range, a merge names a token
 * the vocabulary lacks, there are more than MAX_ADDED_TOKENS added tokens, or maxLength is below 2
 * or above MAX_TOKENIZER_LENGTH.
 */
export function createClipTokenizer(spec: ClipTokenizerSpec): ClipTokenizer {
  checkSpec(spec);
  const { vocab, maxLength } = spec;
  const bosId = idOf(vocab, spec.bos, 'begin token');
  const eosId = idOf(vocab, spec.eos, 'end token');
  const padId = idOf(vocab, spec.pad, 'padding token');
  const unkId = spec.unk === undefined ? undefined : idOf(vocab, spec.unk, 'unknown token');

  const ranks = new Map<string, Map<string, number>>();
  spec.merges.forEach(([a, b], rank) => {
    let row = ranks.get(a);
    if (row === undefined) ranks.set(a, (row = new Map<string, number>()));
    row.set(b, rank); // a repeated merge takes its last rank, as both reference tokenizers do
  });

  const added =
    spec.addedTokens ??
    [spec.bos, spec.eos, spec.pad, ...(spec.unk === undefined ? [] : [spec.unk])].map(
      (content) => ({ content, normalized: false }),
    );
  const addedIds = (normalized: boolean): [string, number][] =>
    added
      .filter((token) => token.normalized === normalized)
      .map((token) => {
        if (token.content === '') throw new TokenizerInputError('it has an empty added token');
        return [token.content, idOf(vocab, token.content, 'added token')];
      });
  const rawAdded = addedIds(false);
  const normalizedAdded = addedIds(true);

  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);

  const cache = new Map<string, readonly number[]>();
  const wordIds = (word: string): readonly number[] => {
    const hit = cache.get(word);
    if (hit !== undefined) {
      cache.delete(word); // least recently used goes first
      cache.set(word, hit);
      return hit;
    }
    const ids: number[] = [];
    for (const symbol of bpe(wordSymbols(word), ranks)) {
      const id = vocab.get(symbol) ?? unkId;
      if (id !== undefined) ids.push(id);
    }
    if (word.length <= CACHE_PIECE_CHARS) {
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(word, ids);
    }
    return ids;
  };

  const textIds = (text: string): number[] => {
    if (text.length > MAX_TOKENIZER_TEXT)
      throw new TokenizerInputError(
        `The instruction has ${String(text.length)} characters; at most ${String(MAX_TOKENIZER_TEXT)} are read (the text encoder reads ${String(maxLength - 2)} tokens). Give a shorter instruction.`,
      );
    const ids: number[] = [];
    for (const raw of cutAdded(text, rawAdded)) {
      if (typeof raw === 'number') {
        ids.push(raw);
        continue;
      }
      for (const part of cutAdded(normalizeClipText(raw), normalizedAdded)) {
        if (typeof part === 'number') ids.push(part);
        else for (const word of splitClipWords(part)) for (const id of wordIds(word)) ids.push(id);
      }
    }
    return ids;
  };

  return {
    maxLength,
    vocabSize,
    padId,
    bosId,
    eosId,
    encode(text) {
      const ids = textIds(text);
      const kept = Math.min(ids.length, maxLength - 2);
      const out = new Int32Array(maxLength).fill(padId);
      out[0] = bosId;
      out.set(ids.slice(0, kept), 1);
      out[kept + 1] = eosId;
      return out;
    },
    countTruncated(text) {
      return Math.max(0, textIds(text).length - (maxLength - 2));
    },
  };
}
