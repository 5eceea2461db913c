// Tiny CLIP export folders in the layout of Hugging Face optimum's zero-shot-image-classification
// export, for the CLIP classifier's tests: one model.onnx with the real input and output names,
// element types and dynamic axes, whose embeddings are formulas a test works out by hand
// (test/fixtures/clip/README.md states them), the tokenizer of the diffusion fixtures, and a
// 16-pixel preprocessor_config.json. Variants cover what exports differ in: the embeddings outputs
// or only the logits, int64 or int32 ids, float32 or float16 pixels and outputs.
import type { FixtureFile } from '../onnx/fixtures';
import {
  DATA_TYPE,
  modelProto,
  type DataType,
  type ModelSpec,
  type NodeSpec,
  type ValueSpec,
} from '../onnx/onnx';
import { FIXTURE_VOCAB_SIZE, tokenizerFiles } from '../diffusion/tokenizerFixture';

/** The variant folders under test/fixtures/clip/. */
export type ClipVariantName = 'clip-embeds' | 'clip-logits' | 'clip-fp16';

/** What one variant's export looks like. */
export interface ClipVariant {
  readonly name: ClipVariantName;
  /** Whether model.onnx outputs text_embeds and image_embeds besides the logits. */
  readonly embeddings: boolean;
  /** input_ids' and attention_mask's element type. */
  readonly ids: typeof DATA_TYPE.int32 | typeof DATA_TYPE.int64;
  /** pixel_values' and every float output's element type. */
  readonly float: typeof DATA_TYPE.float | typeof DATA_TYPE.float16;
  readonly tokenizer: 'json' | 'bpe';
  readonly readme: string;
}

/** The variants, in README order. */
export const CLIP_VARIANTS: readonly ClipVariant[] = [
  {
    name: 'clip-embeds',
    embeddings: true,
    ids: DATA_TYPE.int64,
    float: DATA_TYPE.float,
    tokenizer: 'json',
    readme:
      "optimum's outputs (`logits_per_image`, `logits_per_text`, `text_embeds`, `image_embeds`); int64 ids and mask; float32; `tokenizer.json`.",
  },
  {
    name: 'clip-logits',
    embeddings: false,
    ids: DATA_TYPE.int32,
    float: DATA_TYPE.float,
    tokenizer: 'bpe',
    readme:
      'only `logits_per_image` and `logits_per_text` (no embeddings: the classifier falls back to every prompt in every batch); int32 ids and mask; float32; `vocab.json` + `merges.txt`.',
  },
  {
    name: 'clip-fp16',
    embeddings: true,
    ids: DATA_TYPE.int64,
    float: DATA_TYPE.float16,
    tokenizer: 'json',
    readme:
      'as `clip-embeds` with float16 `pixel_values` and outputs (`--dtype fp16`; computed in float32 inside).',
  },
];

// Default-domain opset 17 (ONNX 1.12), as the other fixtures; optimum exports CLIP at 14 or more.
const OPSET = 17;
const FLOAT = DATA_TYPE.float;
const INT64 = DATA_TYPE.int64;

/** Embedding dimension. */
export const EMBED_DIM = 4;
/** Rows of the token table T; a larger id fails in Gather. */
export const TABLE_ROWS = 1024;
/** The logit scale s: logits_per_image = s * image_embeds . text_embeds. */
export const LOGIT_SCALE = 10;
/** The image projection W [4, 3]: W[d][c] = ((d + 2c) mod 5 - 2) / 2. */
export const IMAGE_WEIGHT: readonly number[] = Array.from({ length: EMBED_DIM * 3 }, (_, i) => {
  const d = Math.floor(i / 3);
  const c = i % 3;
  return (((d + 2 * c) % 5) - 2) / 2;
});

/** The token table T[id][d] = sin(0.37 id + 1.3 d), as the tests compute it. */
export function tokenRow(id: number): number[] {
  return Array.from({ length: EMBED_DIM }, (_, d) => Math.sin(0.37 * id + 1.3 * d));
}

/** W transposed to [3, 4], the layout MatMul takes. */
const IMAGE_WEIGHT_T = Array.from(
  { length: 3 * EMBED_DIM },
  (_, i) => IMAGE_WEIGHT[(i % EMBED_DIM) * 3 + Math.floor(i / EMBED_DIM)] ?? 0,
);

function cast(input: string, output: string, to: DataType): NodeSpec {
  return { op: 'Cast', inputs: [input], outputs: [output], attributes: { to: { int: to } } };
}

/** The CLIPModel stand-in of one variant. */
function clipModel(v: ClipVariant): ModelSpec {
  const text = (name: string): ValueSpec => ({
    name,
    type: v.ids,
    shape: ['text_batch_size', 'sequence_length'],
  });
  const out = (computed: string, name: string): NodeSpec =>
    v.float === FLOAT
      ? { op: 'Identity', inputs: [computed], outputs: [name] }
      : cast(computed, name, DATA_TYPE.float16);
  const outputs: ValueSpec[] = [
    { name: 'logits_per_image', type: v.float, shape: ['image_batch_size', 'text_batch_size'] },
    { name: 'logits_per_text', type: v.float, shape: ['text_batch_size', 'image_batch_size'] },
  ];
  const outputNodes = [out('lpi', 'logits_per_image'), out('lpt', 'logits_per_text')];
  if (v.embeddings) {
    outputs.push(
      { name: 'text_embeds', type: v.float, shape: ['text_batch_size', EMBED_DIM] },
      { name: 'image_embeds', type: v.float, shape: ['image_batch_size', EMBED_DIM] },
    );
    outputNodes.push(out('text_e', 'text_embeds'), out('image_e', 'image_embeds'));
  }
  return {
    name: 'clip',
    doc: 'propsweep fixture: CLIPModel stand-in (test/fixtures/clip/README.md)',
    opset: OPSET,
    inputs: [
      text('input_ids'),
      {
        name: 'pixel_values',
        type: v.float,
        shape: ['image_batch_size', 'num_channels', 'height', 'width'],
      },
      text('attention_mask'),
    ],
    outputs,
    initializers: [
      { name: 'zero', dims: [], values: [0] },
      { name: 'rows', dims: [], values: [TABLE_ROWS] },
      { name: 'one', dims: [], values: [1] },
      { name: 'axis1', dims: [1], values: [1], type: INT64 },
      { name: 'axis2', dims: [1], values: [2], type: INT64 },
      { name: 'id_scale', dims: [], values: [0.37] },
      {
        name: 'phase',
        dims: [1, EMBED_DIM],
        values: Array.from({ length: EMBED_DIM }, (_, d) => 1.3 * d),
      },
      { name: 'w_t', dims: [3, EMBED_DIM], values: IMAGE_WEIGHT_T },
      { name: 'scale', dims: [], values: [LOGIT_SCALE] },
    ],
    nodes: [
      // Text: T built from Range (onnxruntime folds it at load), looked up, masked, summed, unit.
      { op: 'Range', inputs: ['zero', 'rows', 'one'], outputs: ['id_range'] },
      { op: 'Unsqueeze', inputs: ['id_range', 'axis1'], outputs: ['id_column'] },
      { op: 'Mul', inputs: ['id_column', 'id_scale'], outputs: ['scaled_ids'] },
      { op: 'Add', inputs: ['scaled_ids', 'phase'], outputs: ['angles'] },
      { op: 'Sin', inputs: ['angles'], outputs: ['table'] },
      ...(v.ids === INT64 ? [] : [cast('input_ids', 'ids64', INT64)]),
      {
        op: 'Gather',
        inputs: ['table', v.ids === INT64 ? 'input_ids' : 'ids64'],
        outputs: ['tokens'],
        attributes: { axis: { int: 0 } },
      },
      cast('attention_mask', 'mask_f', FLOAT),
      { op: 'Unsqueeze', inputs: ['mask_f', 'axis2'], outputs: ['mask_3d'] },
      { op: 'Mul', inputs: ['tokens', 'mask_3d'], outputs: ['masked'] },
      {
        op: 'ReduceSum',
        inputs: ['masked', 'axis1'],
        outputs: ['text_sum'],
        attributes: { keepdims: { int: 0 } },
      },
      {
        op: 'ReduceL2',
        inputs: ['text_sum'],
        outputs: ['text_norm'],
        attributes: { axes: { ints: [1] }, keepdims: { int: 1 } },
      },
      { op: 'Div', inputs: ['text_sum', 'text_norm'], outputs: ['text_e'] },
      // Image: channel means, projected by W, unit length.
      ...(v.float === FLOAT ? [] : [cast('pixel_values', 'pixels_f32', FLOAT)]),
      {
        op: 'ReduceMean',
        inputs: [v.float === FLOAT ? 'pixel_values' : 'pixels_f32'],
        outputs: ['channel_means'],
        attributes: { axes: { ints: [2, 3] }, keepdims: { int: 0 } },
      },
      { op: 'MatMul', inputs: ['channel_means', 'w_t'], outputs: ['image_raw'] },
      {
        op: 'ReduceL2',
        inputs: ['image_raw'],
        outputs: ['image_norm'],
        attributes: { axes: { ints: [1] }, keepdims: { int: 1 } },
      },
      { op: 'Div', inputs: ['image_raw', 'image_norm'], outputs: ['image_e'] },
      // Logits: s times the cosine similarity, and its transpose.
      {
        op: 'Transpose',
        inputs: ['text_e'],
        outputs: ['text_t'],
        attributes: { perm: { ints: [1, 0] } },
      },
      { op: 'MatMul', inputs: ['image_e', 'text_t'], outputs: ['cosines'] },
      { op: 'Mul', inputs: ['cosines', 'scale'], outputs: ['lpi'] },
      {
        op: 'Transpose',
        inputs: ['lpi'],
        outputs: ['lpt'],
        attributes: { perm: { ints: [1, 0] } },
      },
      ...outputNodes,
    ],
  };
}

const encoder = new TextEncoder();

/** JSON as transformers saves it: two-space indent, a final newline. */
function json(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** CLIPImageProcessor's config at 16 pixels (CLIP's own says 224), OpenAI CLIP's mean and std. */
export const PREPROCESSOR_CONFIG = {
  crop_size: { height: 16, width: 16 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: 'CLIPImageProcessor',
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 16 },
} as const;

/** One variant's files, by path inside its folder. */
export function clipVariantFiles(v: ClipVariant): FixtureFile[] {
  if (FIXTURE_VOCAB_SIZE > TABLE_ROWS) {
    throw new RangeError(
      `the tokenizer fixture has ${FIXTURE_VOCAB_SIZE} ids, T only ${TABLE_ROWS}`,
    );
  }
  const files: FixtureFile[] = [
    { name: 'model.onnx', bytes: modelProto(clipModel(v)) },
    { name: 'preprocessor_config.json', bytes: json(PREPROCESSOR_CONFIG) },
    ...tokenizerFiles(v.tokenizer),
  ];
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every file under test/fixtures/clip/ that the generator owns, README included. */
export function clipFixtureFiles(): FixtureFile[] {
  const files = CLIP_VARIANTS.flatMap((v) =>
    clipVariantFiles(v).map((f) => ({ name: `${v.name}/${f.name}`, bytes: f.bytes })),
  );
  files.push({ name: 'README.md', bytes: encoder.encode(readme()) });
  return files;
}

function readme(): string {
  return [
    '# CLIP classifier fixture folders',
    '',
    "Tiny CLIP export folders in the layout of Hugging Face optimum's zero-shot-image-classification",
    'export (`optimum-cli export onnx --model openai/clip-vit-base-patch32 --task',
    'zero-shot-image-classification DIR`), a few KB each, with the real input and output names,',
    'element types and dynamic axes, so the CLIP classifier is tested without weights. Generated by',
    '`npx tsx scripts/makeFixtures.ts` (scripts/clip/fixtures.ts; the tokenizer files from',
    'scripts/diffusion/tokenizerFixture.ts). Do not edit by hand: a unit test checks that these',
    'files match the generator byte for byte.',
    '',
    '## Variants',
    '',
    ...CLIP_VARIANTS.map((v) => `- \`${v.name}/\`: ${v.readme}`),
    '',
    'Every folder has `preprocessor_config.json` (CLIPImageProcessor: shortest edge 16, centre crop',
    "16x16, bicubic, rescale 1/255, OpenAI CLIP's mean and std) and the tokenizer files.",
    '',
    '## What model.onnx computes',
    '',
    'Inputs: `input_ids` and `attention_mask` [text_batch_size, sequence_length], `pixel_values`',
    '[image_batch_size, num_channels, height, width]. Dimensions: t text, s token, b image, c',
    'channel, d embedding feature (4).',
    '',
    '- `text_embeds` [text_batch_size, 4] = unit(sum_s attention_mask[t][s] * T[input_ids[t][s]]),',
    '  `T[id][d] = sin(0.37 * id + 1.3 * d)` for id < 1024 (a larger id fails), unit(v) = v / |v|.',
    '  T is built inside the graph in float32 (Range, Mul, Add, Sin): compare within 1e-4.',
    '- `image_embeds` [image_batch_size, 4] = unit(W m[b]), m[b][c] the mean of channel c of',
    '  `pixel_values` over height and width, `W[d][c] = ((d + 2c) mod 5 - 2) / 2`.',
    '- `logits_per_image` [image_batch_size, text_batch_size] = 10 * image_embeds . text_embeds',
    "  (the logit scale s = 10; CLIP's is 100), `logits_per_text` its transpose.",
    '',
    'The embeddings are computed in every variant; `clip-logits` only does not output them. The',
    'float16 variant casts `pixel_values` to float32 first and its outputs to float16 last.',
    '',
  ].join('\n');
}
