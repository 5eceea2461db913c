// Reads the CLIP tokenizer of a Stable Diffusion 1.x model folder (its `tokenizer/` folder), in
// either form an export writes: Hugging Face tokenizers' tokenizer.json, or the older
// vocab.json + merges.txt. tokenizer_config.json and special_tokens_map.json, when there, name the
// special tokens and the length, as transformers reads them (the map over the config over
// tokenizer.json's own post-processor, padding and truncation; then CLIP's defaults). The files
// are someone else's: each is read bounded, every field is checked, and each refusal names the
// file, what is wrong and how to get a good folder.
import { join } from 'node:path';

import { shown } from '../../shared/coerce';
import {
  InvalidJsonError,
  readJsonIfPresent,
  readRegularText,
  UnreadableFileError,
} from '../files/boundedFiles';
import { TokenizerInputError } from './errors';
import {
  createClipTokenizer,
  MAX_TOKENIZER_LENGTH,
  type AddedToken,
  type ClipTokenizer,
  type ClipTokenizerSpec,
} from './clipTokenizer';

/** Largest tokenizer file read (CLIP's tokenizer.json has about 2 MB, vocab.json about 1 MB). */
const FILE_BYTES = 32 * 1024 * 1024;

const EXPORT_HINT =
  'Export the model again with optimum-cli export onnx, which writes its tokenizer, and give its folder.';

/** CLIP's own names, used when the folder names none (CLIPTokenizer's defaults). */
const CLIP_BOS = '<|startoftext|>';
const CLIP_EOS = '<|endoftext|>';
/** CLIP's length (77) when no file gives one. */
const CLIP_LENGTH = 77;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parsed JSON of `folder/name`, or undefined when there is no such file. */
async function readJsonFile(folder: string, name: string): Promise<unknown> {
  const path = join(folder, name);
  try {
    return await readJsonIfPresent(path, FILE_BYTES);
  } catch (error) {
    if (error instanceof InvalidJsonError) {
      throw new TokenizerInputError(`${path} is not valid JSON (${error.message}). ${EXPORT_HINT}`);
    }
    throw unreadable(path, error);
  }
}

/** The text of `folder/name`, or undefined when there is no such file. */
async function readTextFile(folder: string, name: string): Promise<string | undefined> {
  const path = join(folder, name);
  try {
    return await readRegularText(path, FILE_BYTES);
  } catch (error) {
    if (error instanceof UnreadableFileError && error.reason === 'missing') return undefined;
    throw unreadable(path, error);
  }
}

/** A tokenizer file that was not read, in the tokenizer's words; other errors as they are. */
function unreadable(path: string, error: unknown): unknown {
  return error instanceof UnreadableFileError
    ? new TokenizerInputError(
        `The tokenizer file ${path} cannot be read: ${error.message}. ${EXPORT_HINT}`,
      )
    : error;
}

/**
 * A refusal of one field of one file. Values in `what` are quoted with shown: short, and a value
 * nested too deep for JSON.stringify (which JSON.parse still reads) does not overflow the stack.
 */
function badField(folder: string, file: string, what: string): TokenizerInputError {
  return new TokenizerInputError(`${join(folder, file)}: ${what}. ${EXPORT_HINT}`);
}

/** A vocabulary object (token -> id), its ids checked to be numbers (ranges: clipTokenizer). */
function vocabFrom(
  value: unknown,
  folder: string,
  file: string,
  field: string,
): Map<string, number> {
  if (!isRecord(value)) throw badField(folder, file, `${field} must be an object of token: id`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(value)) {
    if (typeof id !== 'number')
      throw badField(
        folder,
        file,
        `${field} gives ${shown(token)} the id ${shown(id)}, not a number`,
      );
    vocab.set(token, id);
  }
  return vocab;
}

/** One merge line "left right": exactly two non-empty symbols separated by one space. */
function mergeFromLine(line: string): [string, string] | undefined {
  const parts = line.split(' ');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== ''
    ? [parts[0] as string, parts[1] as string]
    : undefined;
}

/** tokenizer.json's merges: "a b" strings (tokenizers < 0.20) or [a, b] pairs (newer). */
function mergesFromJson(value: unknown, folder: string): [string, string][] {
  if (!Array.isArray(value))
    throw badField(folder, 'tokenizer.json', 'model.merges must be a list');
  return value.map((item: unknown, k) => {
    const merge =
      typeof item === 'string'
        ? mergeFromLine(item)
        : Array.isArray(item) &&
            item.length === 2 &&
            typeof item[0] === 'string' &&
            typeof item[1] === 'string'
          ? ([item[0], item[1]] as [string, string])
          : undefined;
    if (merge === undefined)
      throw badField(
        folder,
        'tokenizer.json',
        `model.merges[${String(k)}] is ${shown(item)}, not "left right" or ["left", "right"]`,
      );
    return merge;
  });
}

/** merges.txt: a `#version` first line, then one "left right" per line; blank lines skipped. */
function mergesFromText(text: string, folder: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    if (line === '' || (k === 0 && line.startsWith('#version'))) return;
    const merge = mergeFromLine(line);
    if (merge === undefined)
      throw badField(
        folder,
        'merges.txt',
        `line ${String(k + 1)} is ${JSON.stringify(line.slice(0, 80))}, not two symbols separated by one space`,
      );
    merges.push(merge);
  });
  return merges;
}

/** A special token as transformers writes it: a string, or an object with `content`. */
interface NamedToken {
  readonly content: string;
  readonly normalized: boolean;
}

/** The special token `field` of a config, undefined when absent or null. */
function namedToken(
  config: Json | undefined,
  field: string,
  folder: string,
  file: string,
): NamedToken | undefined {
  const value = config?.[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return { content: value, normalized: false };
  if (isRecord(value) && typeof value.content === 'string' && value.content !== '')
    return { content: value.content, normalized: value.normalized === true };
  throw badField(
    folder,
    file,
    `${field} must be a token (a string or { "content": "..." }), got ${shown(value)}`,
  );
}

/** The two optional configs, each checked to be a JSON object. */
interface Configs {
  readonly config: Json | undefined;
  readonly map: Json | undefined;
}

async function readConfigs(folder: string): Promise<Configs> {
  const read = async (file: string): Promise<Json | undefined> => {
    const value = await readJsonFile(folder, file);
    if (value === undefined || isRecord(value)) return value;
    throw badField(folder, file, 'it must be a JSON object');
  };
  return {
    config: await read('tokenizer_config.json'),
    map: await read('special_tokens_map.json'),
  };
}

/** A special token as transformers resolves it: special_tokens_map.json over the config. */
function configToken(configs: Configs, field: string, folder: string): NamedToken | undefined {
  return (
    namedToken(configs.map, field, folder, 'special_tokens_map.json') ??
    namedToken(configs.config, field, folder, 'tokenizer_config.json')
  );
}

/** A length from a file: a whole number from 2 to MAX_TOKENIZER_LENGTH. */
function lengthFrom(
  value: unknown,
  folder: string,
  file: string,
  field: string,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 2 &&
    value <= MAX_TOKENIZER_LENGTH
  )
    return value;
  throw badField(
    folder,
    file,
    `${field} is ${shown(value)}; a CLIP text encoder takes 77 tokens (set ${field} to 77)`,
  );
}

/** What each form contributes before the configs are applied. */
interface BaseSpec {
  readonly source: string;
  readonly vocab: Map<string, number>;
  readonly merges: [string, string][];
  readonly added: AddedToken[];
  readonly bos: string | undefined;
  readonly eos: string | undefined;
  readonly pad: string | undefined;
  /** The unknown token; null: the model names none. */
  readonly unk: string | null | undefined;
  readonly maxLength: number | undefined;
}

/** The BPE model of a tokenizer.json, checked to be CLIP's kind. */
function specFromTokenizerJson(json: unknown, folder: string): BaseSpec {
  const file = 'tokenizer.json';
  if (!isRecord(json) || !isRecord(json.model))
    throw badField(folder, file, 'it has no "model" object');
  const model = json.model;
  if (model.type !== 'BPE' && !(model.type === undefined && 'merges' in model))
    throw badField(
      folder,
      file,
      `its model is ${shown(model.type)}, not CLIP's byte-level "BPE" (a Stable Diffusion 1.x text encoder needs CLIP's tokenizer)`,
    );
  if (model.end_of_word_suffix !== '</w>')
    throw badField(
      folder,
      file,
      `its BPE ends words with ${shown(model.end_of_word_suffix)}, not CLIP's "</w>"`,
    );
  if (typeof model.continuing_subword_prefix === 'string' && model.continuing_subword_prefix !== '')
    throw badField(folder, file, 'its BPE has a continuing_subword_prefix, which CLIP does not');
  if (typeof model.dropout === 'number' && model.dropout > 0)
    throw badField(folder, file, 'its BPE has dropout, which would make the ids random');
  const vocab = vocabFrom(model.vocab, folder, file, 'model.vocab');
  const added: AddedToken[] = [];
  const addedTokens = json.added_tokens ?? [];
  if (!Array.isArray(addedTokens)) throw badField(folder, file, 'added_tokens must be a list');
  addedTokens.forEach((token: unknown, k) => {
    if (
      !isRecord(token) ||
      typeof token.content !== 'string' ||
      token.content === '' ||
      typeof token.id !== 'number'
    )
      throw badField(folder, file, `added_tokens[${String(k)}] must have a "content" and an "id"`);
    if (!vocab.has(token.content)) vocab.set(token.content, token.id);
    added.push({ content: token.content, normalized: token.normalized === true });
  });
  const unk = model.unk_token;
  if (unk !== undefined && unk !== null && typeof unk !== 'string')
    throw badField(folder, file, 'model.unk_token must be a string');
  // RobertaProcessing (CLIP's) names the begin and end tokens as [token, id].
  const post = isRecord(json.post_processor) ? json.post_processor : {};
  const first = (pair: unknown): string | undefined =>
    Array.isArray(pair) && typeof pair[0] === 'string' ? pair[0] : undefined;
  const padding = isRecord(json.padding) ? json.padding : {};
  const truncation = isRecord(json.truncation) ? json.truncation : {};
  return {
    source: file,
    vocab,
    merges: mergesFromJson(model.merges, folder),
    added,
    bos: first(post.cls),
    eos: first(post.sep),
    pad: typeof padding.pad_token === 'string' ? padding.pad_token : undefined,
    unk: unk ?? null,
    maxLength: lengthFrom(truncation.max_length, folder, file, 'truncation.max_length'),
  };
}

async function specFromVocabAndMerges(folder: string): Promise<BaseSpec | undefined> {
  const vocabJson = await readJsonFile(folder, 'vocab.json');
  const mergesText = await readTextFile(folder, 'merges.txt');
  if (vocabJson === undefined && mergesText === undefined) return undefined;
  const missing =
    vocabJson === undefined ? 'vocab.json' : mergesText === undefined ? 'merges.txt' : '';
  if (missing !== '')
    throw new TokenizerInputError(
      `The tokenizer folder ${folder} has no tokenizer.json and no ${missing}: it needs tokenizer.json, or vocab.json with merges.txt. ${EXPORT_HINT}`,
    );
  return {
    source: 'vocab.json, merges.txt',
    vocab: vocabFrom(vocabJson, folder, 'vocab.json', 'it'),
    merges: mergesFromText(mergesText ?? '', folder),
    added: [],
    bos: undefined,
    eos: undefined,
    pad: undefined,
    unk: undefined,
    maxLength: undefined,
  };
}

/**
 * The CLIP tokenizer of a model's `tokenizer/` folder: tokenizer.json when there is one, else
 * vocab.json + merges.txt; tokenizer_config.json and special_tokens_map.json name the special
 * tokens and `model_max_length` (77 when none is given; the pad token is the end token when none
 * is named, as Stable Diffusion 1.x names it). Throws TokenizerInputError naming the file for a
 * missing, unreadable, oversized or malformed file, a tokenizer that is not CLIP's BPE, and a
 * special token that is not in the vocabulary.
 */
export async function loadClipTokenizer(folder: string): Promise<ClipTokenizer> {
  const json = await readJsonFile(folder, 'tokenizer.json');
  const base =
    json === undefined ? await specFromVocabAndMerges(folder) : specFromTokenizerJson(json, folder);
  if (base === undefined)
    throw new TokenizerInputError(
      `The tokenizer folder ${folder} has no tokenizer.json and no vocab.json + merges.txt: it needs one of them. ${EXPORT_HINT}`,
    );
  const configs = await readConfigs(folder);
  const named = (field: string): NamedToken | undefined => configToken(configs, field, folder);
  const bos = named('bos_token')?.content ?? base.bos ?? CLIP_BOS;
  const eos = named('eos_token')?.content ?? base.eos ?? CLIP_EOS;
  const pad = named('pad_token')?.content ?? base.pad ?? eos;
  // tokenizer.json's model names its own unknown token (or none); CLIPTokenizer's default is
  // <|endoftext|>, used with vocab.json only when the vocabulary has it.
  const unk =
    base.unk === undefined
      ? (named('unk_token')?.content ?? (base.vocab.has(CLIP_EOS) ? CLIP_EOS : undefined))
      : (base.unk ?? undefined);
  const maxLength =
    lengthFrom(
      configs.config?.model_max_length,
      folder,
      'tokenizer_config.json',
      'model_max_length',
    ) ??
    base.maxLength ??
    CLIP_LENGTH;
  // The special tokens are matched whole in the text, as transformers adds them to the added
  // vocabulary; tokenizer.json's own entries come first and keep their flags.
  const added = [...base.added];
  for (const field of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const token = named(field);
    if (token !== undefined && !added.some((a) => a.content === token.content)) added.push(token);
  }
  for (const content of [bos, eos, pad, ...(unk === undefined ? [] : [unk])])
    if (!added.some((a) => a.content === content)) added.push({ content, normalized: false });
  const spec: ClipTokenizerSpec = {
    vocab: base.vocab,
    merges: base.merges,
    bos,
    eos,
    pad,
    unk,
    addedTokens: added,
    maxLength,
  };
  try {
    return createClipTokenizer(spec);
  } catch (error) {
    if (!(error instanceof TokenizerInputError)) throw error;
    throw new TokenizerInputError(
      `The tokenizer in ${folder} (${base.source}) cannot be used: ${error.message}. ${EXPORT_HINT}`,
    );
  }
}
