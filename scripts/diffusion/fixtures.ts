// Tiny InstructPix2Pix model folders in the layout of Hugging Face optimum's ONNX export, for the
// diffusion editor's tests: the real file names, input/output names, element types and dynamic
// axes, with formulas simple enough to work out by hand (test/fixtures/diffusion/README.md states
// each one). Every output depends on every input and batch items stay independent, so a test
// sees a mixed-up batch item, branch or input. Three variants cover what exports differ in:
// fp32/fp16, int32/int64 ids, a 0-d float or an int64 [batch] timestep, `latent_parameters` or a
// sampled `latent_sample`, external data, tokenizer.json or vocab.json + merges.txt.
import type { FixtureFile } from '../onnx/fixtures';
import {
  DATA_TYPE,
  modelFiles,
  type DataType,
  type Dim,
  type ModelSpec,
  type NodeSpec,
  type TensorSpec,
} from '../onnx/onnx';
import { FIXTURE_VOCAB_SIZE, tokenizerFiles } from './tokenizerFixture';

/** The variant folders under test/fixtures/diffusion/. */
export type DiffusionVariantName = 'ip2p-fp32' | 'ip2p-fp16' | 'ip2p-legacy';

/** What one variant's export looks like. */
export interface DiffusionVariant {
  readonly name: DiffusionVariantName;
  /** The element type of every float input and output. */
  readonly float: typeof DATA_TYPE.float | typeof DATA_TYPE.float16;
  readonly ids: typeof DATA_TYPE.int32 | typeof DATA_TYPE.int64;
  /** 'scalar': a 0-d timestep in the float type (optimum >= 1.24); 'batch': int64 [steps]. */
  readonly timestep: 'scalar' | 'batch';
  /** 'latent_parameters': mean and log-variance; 'latent_sample': mean + noise (older exports). */
  readonly encoderOutput: 'latent_parameters' | 'latent_sample';
  /** Older exports: symbolic channel axes and the older axis names. */
  readonly legacyAxes: boolean;
  /** The UNet's weights in unet/model.onnx_data. */
  readonly externalUnet: boolean;
  readonly tokenizer: 'json' | 'bpe';
  readonly readme: string;
}

/** The three variants, in README order. */
export const DIFFUSION_VARIANTS: readonly DiffusionVariant[] = [
  {
    name: 'ip2p-fp32',
    float: DATA_TYPE.float,
    ids: DATA_TYPE.int32,
    timestep: 'scalar',
    encoderOutput: 'latent_parameters',
    legacyAxes: false,
    externalUnet: false,
    tokenizer: 'json',
    readme:
      'float32; `input_ids` int32; `timestep` a 0-d float32 (optimum >= 1.24); `latent_parameters`; `tokenizer/tokenizer.json`.',
  },
  {
    name: 'ip2p-fp16',
    float: DATA_TYPE.float16,
    ids: DATA_TYPE.int64,
    timestep: 'scalar',
    encoderOutput: 'latent_parameters',
    legacyAxes: false,
    externalUnet: false,
    tokenizer: 'bpe',
    readme:
      'float16 at every float input and output (`--dtype fp16`; weights stored as float16, computed in float32 inside); `input_ids` int64; `timestep` a 0-d float16; `latent_parameters`; `tokenizer/vocab.json` + `merges.txt`.',
  },
  {
    name: 'ip2p-legacy',
    float: DATA_TYPE.float,
    ids: DATA_TYPE.int64,
    timestep: 'batch',
    encoderOutput: 'latent_sample',
    legacyAxes: true,
    externalUnet: true,
    tokenizer: 'bpe',
    readme:
      "an older export: float32; `input_ids` int64; `timestep` int64 `[steps]` (one per batch item); the VAE encoder outputs a sampled `latent_sample` (random at every run); symbolic channel axes (`num_channels`, `num_channels_latent`, `feature_dim`); the UNet's weights in `unet/model.onnx_data` (external data); `tokenizer/vocab.json` + `merges.txt`.",
  },
];

// Default-domain opset 17 (ONNX 1.12), as the classifier fixtures; optimum exports at 14 or more.
const OPSET = 17;
const FLOAT = DATA_TYPE.float;
const INT64 = DATA_TYPE.int64;

/** Text encoder: rows of the table E[id][d] = 0.5 sin(0.37 id + 1.3 d), d < HIDDEN. */
export const HIDDEN = 8;
/** The text encoder's vocabulary size (rows of E); a larger id fails in Gather. */
export const VOCAB_SIZE = 1024;
/** The VAE's 8x downsampling. */
export const VAE_FACTOR = 8;
/** The scale of the legacy encoder's noise: latent_sample = mean + 0.05 n, n ~ N(0, 1). */
export const LATENT_NOISE = 0.05;
/** The UNet adds 0.001 * timestep before its tanh. */
export const TIMESTEP_SCALE = 0.001;

/** (a mod m - shift) / div over a rows x cols grid of (row, col) -> a, row-major. */
function grid(
  rows: number,
  cols: number,
  a: (row: number, col: number) => number,
  m: number,
  shift: number,
  div: number,
): number[] {
  return Array.from({ length: rows * cols }, (_, i) => {
    const row = Math.floor(i / cols);
    return ((a(row, i % cols) % m) - shift) / div;
  });
}

/** VAE encoder 1x1 conv [8, 3]: A[o][c] = ((o + 3c) mod 7 - 3) / 4. */
export const ENCODER_WEIGHT = grid(8, 3, (o, c) => o + 3 * c, 7, 3, 4);
/** VAE encoder bias [8]: a[o] = (o - 4) / 8. */
export const ENCODER_BIAS = Array.from({ length: 8 }, (_, o) => (o - 4) / 8);
/** UNet 1x1 conv [4, 8]: C[o][i] = ((3o + i) mod 5 - 2) / 4. */
export const UNET_WEIGHT = grid(4, 8, (o, i) => 3 * o + i, 5, 2, 4);
/** UNet text projection [4, 8]: P[o][k] = ((o + 2k) mod 5 - 2) / 2. */
export const UNET_TEXT = grid(4, 8, (o, k) => o + 2 * k, 5, 2, 2);
/** VAE decoder 1x1 conv [3, 4]: D[o][c] = ((o + 2c) mod 5 - 2) / 4. */
export const DECODER_WEIGHT = grid(3, 4, (o, c) => o + 2 * c, 5, 2, 4);
/** VAE decoder bias [3]: e[o] = (o - 1) / 4. */
export const DECODER_BIAS = [-0.25, 0, 0.25];

/** P transposed to [8, 4], the layout MatMul takes. */
const UNET_TEXT_T = Array.from(
  { length: 32 },
  (_, i) => UNET_TEXT[(i % 4) * 8 + Math.floor(i / 4)] ?? 0,
);

function model(
  name: string,
  doc: string,
  parts: Omit<ModelSpec, 'name' | 'doc' | 'opset'>,
): ModelSpec {
  return { name, doc, opset: OPSET, ...parts };
}

/**
 * A float weight: stored in the variant's float type (fp16 exports keep float16 weights; every
 * value here is a multiple of 1/8, exact in float16) and cast to float32 inside when float16.
 */
function weight(
  v: DiffusionVariant,
  name: string,
  dims: number[],
  values: readonly number[],
  external = false,
): {
  tensor: TensorSpec;
  nodes: NodeSpec[];
  output: string;
} {
  const tensor: TensorSpec = {
    name,
    dims,
    values,
    type: v.float,
    ...(external ? { external } : {}),
  };
  if (v.float === FLOAT) return { tensor, nodes: [], output: name };
  return { tensor, nodes: [cast(name, `${name}_f32`, FLOAT)], output: `${name}_f32` };
}

function cast(input: string, output: string, to: DataType): NodeSpec {
  return { op: 'Cast', inputs: [input], outputs: [output], attributes: { to: { int: to } } };
}

/** A float input: cast to float32 when the variant's float type is float16. */
function floatIn(v: DiffusionVariant, name: string): { nodes: NodeSpec[]; output: string } {
  return v.float === FLOAT
    ? { nodes: [], output: name }
    : { nodes: [cast(name, `${name}_f32`, FLOAT)], output: `${name}_f32` };
}

/** A float output computed as `computed` in float32: cast to float16 when needed. */
function floatOut(v: DiffusionVariant, computed: string, name: string): NodeSpec[] {
  return [
    v.float === FLOAT
      ? { op: 'Identity', inputs: [computed], outputs: [name] }
      : cast(computed, name, DATA_TYPE.float16),
  ];
}

/**
 * CLIPTextModel stand-in: last_hidden_state[b][s] = E[input_ids[b][s]], pooler_output[b] =
 * last_hidden_state[b][0]. E is built inside the graph from Range (onnxruntime folds it at load):
 * a stored [1024, 8] table would be 32 KB, and Gather keeps the real lookup (an id >= 1024 fails).
 */
function textEncoder(v: DiffusionVariant): ModelSpec {
  const ids: NodeSpec[] = v.ids === INT64 ? [] : [cast('input_ids', 'ids64', INT64)];
  const table = v.float === FLOAT ? 'table' : 'table_f16';
  return model(
    'text_encoder',
    'propsweep fixture: CLIPTextModel stand-in, E[id][d] = 0.5 sin(0.37 id + 1.3 d)',
    {
      inputs: [{ name: 'input_ids', type: v.ids, shape: ['batch_size', 'sequence_length'] }],
      outputs: [
        {
          name: 'last_hidden_state',
          type: v.float,
          shape: ['batch_size', 'sequence_length', HIDDEN],
        },
        { name: 'pooler_output', type: v.float, shape: ['batch_size', HIDDEN] },
      ],
      initializers: [
        { name: 'zero', dims: [], values: [0] },
        { name: 'vocab', dims: [], values: [VOCAB_SIZE] },
        { name: 'one', dims: [], values: [1] },
        { name: 'axis1', dims: [1], values: [1], type: INT64 },
        { name: 'id_scale', dims: [], values: [0.37] },
        {
          name: 'phase',
          dims: [1, HIDDEN],
          values: Array.from({ length: HIDDEN }, (_, d) => 1.3 * d),
        },
        { name: 'half', dims: [], values: [0.5] },
        { name: 'first', dims: [], values: [0], type: INT64 },
      ],
      nodes: [
        { op: 'Range', inputs: ['zero', 'vocab', 'one'], outputs: ['id_range'] },
        { op: 'Unsqueeze', inputs: ['id_range', 'axis1'], outputs: ['id_column'] },
        { op: 'Mul', inputs: ['id_column', 'id_scale'], outputs: ['scaled_ids'] },
        { op: 'Add', inputs: ['scaled_ids', 'phase'], outputs: ['angles'] },
        { op: 'Sin', inputs: ['angles'], outputs: ['sines'] },
        { op: 'Mul', inputs: ['sines', 'half'], outputs: ['table'] },
        ...(v.float === FLOAT ? [] : [cast('table', table, DATA_TYPE.float16)]),
        ...ids,
        {
          op: 'Gather',
          inputs: [table, v.ids === INT64 ? 'input_ids' : 'ids64'],
          outputs: ['last_hidden_state'],
          attributes: { axis: { int: 0 } },
        },
        {
          op: 'Gather',
          inputs: ['last_hidden_state', 'first'],
          outputs: ['pooler_output'],
          attributes: { axis: { int: 1 } },
        },
      ],
    },
  );
}

/**
 * AutoencoderKL encoder stand-in: 8x8 block means m, then a 1x1 conv 3 -> 8 (A, a):
 * latent_parameters = A m + a (channels 0-3 the mean, 4-7 the log-variance). Legacy:
 * latent_sample = (A m + a)[0:4] + 0.05 n with n from an unseeded RandomNormalLike.
 */
function vaeEncoder(v: DiffusionVariant): ModelSpec {
  const input = floatIn(v, 'sample');
  const w = weight(v, 'encoder.weight', [8, 3, 1, 1], ENCODER_WEIGHT);
  const b = weight(v, 'encoder.bias', [8], ENCODER_BIAS);
  const image: Dim[] = ['batch_size', v.legacyAxes ? 'num_channels' : 3, 'height', 'width'];
  const latentShape = (channels: number): Dim[] => [
    'batch_size',
    v.legacyAxes ? 'num_channels_latent' : channels,
    'height_latent',
    'width_latent',
  ];
  const head: NodeSpec[] = [
    ...input.nodes,
    ...w.nodes,
    ...b.nodes,
    {
      op: 'AveragePool',
      inputs: [input.output],
      outputs: ['block_means'],
      attributes: {
        kernel_shape: { ints: [VAE_FACTOR, VAE_FACTOR] },
        strides: { ints: [VAE_FACTOR, VAE_FACTOR] },
      },
    },
    { op: 'Conv', inputs: ['block_means', w.output, b.output], outputs: ['moments'] },
  ];
  if (v.encoderOutput === 'latent_parameters') {
    return model('vae_encoder', 'propsweep fixture: AutoencoderKL encoder stand-in', {
      inputs: [{ name: 'sample', type: v.float, shape: image }],
      outputs: [{ name: 'latent_parameters', type: v.float, shape: latentShape(8) }],
      initializers: [w.tensor, b.tensor],
      nodes: [...head, ...floatOut(v, 'moments', 'latent_parameters')],
    });
  }
  return model('vae_encoder', 'propsweep fixture: AutoencoderKL encoder stand-in, sampled latent', {
    inputs: [{ name: 'sample', type: v.float, shape: image }],
    outputs: [{ name: 'latent_sample', type: v.float, shape: latentShape(4) }],
    initializers: [
      w.tensor,
      b.tensor,
      { name: 'starts', dims: [1], values: [0], type: INT64 },
      { name: 'ends', dims: [1], values: [4], type: INT64 },
      { name: 'axes', dims: [1], values: [1], type: INT64 },
    ],
    nodes: [
      ...head,
      { op: 'Slice', inputs: ['moments', 'starts', 'ends', 'axes'], outputs: ['mean'] },
      {
        op: 'RandomNormalLike',
        inputs: ['mean'],
        outputs: ['noise'],
        attributes: { mean: { float: 0 }, scale: { float: LATENT_NOISE } },
      },
      { op: 'Add', inputs: ['mean', 'noise'], outputs: ['sampled'] },
      ...floatOut(v, 'sampled', 'latent_sample'),
    ],
  });
}

/**
 * UNet2DConditionModel stand-in: out_sample = tanh(C sample + P mean_s(encoder_hidden_states) +
 * 0.001 t), C a 1x1 conv 8 -> 4 and P an 8 -> 4 map broadcast over the spatial axes; t the 0-d
 * timestep, or timestep[b] for batch item b.
 */
function unet(v: DiffusionVariant): ModelSpec {
  const sample = floatIn(v, 'sample');
  const text = floatIn(v, 'encoder_hidden_states');
  const c = weight(v, 'conv.weight', [4, 8, 1, 1], UNET_WEIGHT, v.externalUnet);
  const p = weight(v, 'text.weight', [8, 4], UNET_TEXT_T, v.externalUnet);
  const scalar = floatIn(v, 'timestep');
  const time: NodeSpec[] =
    v.timestep === 'scalar'
      ? [
          ...scalar.nodes,
          { op: 'Mul', inputs: [scalar.output, 'time_scale'], outputs: ['time_term'] },
        ]
      : [
          cast('timestep', 'timestep_f32', FLOAT),
          { op: 'Unsqueeze', inputs: ['timestep_f32', 'axis1'], outputs: ['timestep_column'] },
          { op: 'Mul', inputs: ['timestep_column', 'time_scale'], outputs: ['time_term'] },
        ];
  const channels = (n: number): Dim => (v.legacyAxes ? 'num_channels' : n);
  return model('unet', 'propsweep fixture: UNet2DConditionModel stand-in', {
    inputs: [
      { name: 'sample', type: v.float, shape: ['batch_size', channels(8), 'height', 'width'] },
      v.timestep === 'scalar'
        ? { name: 'timestep', type: v.float, shape: [] }
        : { name: 'timestep', type: INT64, shape: ['steps'] },
      {
        name: 'encoder_hidden_states',
        type: v.float,
        shape: ['batch_size', 'sequence_length', v.legacyAxes ? 'feature_dim' : HIDDEN],
      },
    ],
    outputs: [
      { name: 'out_sample', type: v.float, shape: ['batch_size', channels(4), 'height', 'width'] },
    ],
    initializers: [
      c.tensor,
      p.tensor,
      { name: 'time_scale', dims: [], values: [TIMESTEP_SCALE] },
      ...(v.timestep === 'batch' ? [{ name: 'axis1', dims: [1], values: [1], type: INT64 }] : []),
      { name: 'spatial_axes', dims: [2], values: [2, 3], type: INT64 },
    ],
    nodes: [
      ...sample.nodes,
      ...text.nodes,
      ...c.nodes,
      ...p.nodes,
      { op: 'Conv', inputs: [sample.output, c.output], outputs: ['mixed'] },
      {
        op: 'ReduceMean',
        inputs: [text.output],
        outputs: ['text_mean'],
        attributes: { axes: { ints: [1] }, keepdims: { int: 0 } },
      },
      { op: 'MatMul', inputs: ['text_mean', p.output], outputs: ['text_term'] },
      ...time,
      { op: 'Add', inputs: ['text_term', 'time_term'], outputs: ['condition'] },
      { op: 'Unsqueeze', inputs: ['condition', 'spatial_axes'], outputs: ['condition_map'] },
      { op: 'Add', inputs: ['mixed', 'condition_map'], outputs: ['pre_activation'] },
      { op: 'Tanh', inputs: ['pre_activation'], outputs: ['activated'] },
      ...floatOut(v, 'activated', 'out_sample'),
    ],
  });
}

/**
 * AutoencoderKL decoder stand-in: a 1x1 conv 4 -> 3 (D, e), then nearest 8x upsampling:
 * sample[b][o][y][x] = e[o] + sum_c D[o][c] latent_sample[b][c][floor(y/8)][floor(x/8)].
 */
function vaeDecoder(v: DiffusionVariant): ModelSpec {
  const latent = floatIn(v, 'latent_sample');
  const w = weight(v, 'decoder.weight', [3, 4, 1, 1], DECODER_WEIGHT);
  const b = weight(v, 'decoder.bias', [3], DECODER_BIAS);
  return model('vae_decoder', 'propsweep fixture: AutoencoderKL decoder stand-in', {
    inputs: [
      {
        name: 'latent_sample',
        type: v.float,
        shape: [
          'batch_size',
          v.legacyAxes ? 'num_channels_latent' : 4,
          'height_latent',
          'width_latent',
        ],
      },
    ],
    outputs: [
      {
        name: 'sample',
        type: v.float,
        shape: ['batch_size', v.legacyAxes ? 'num_channels' : 3, 'height', 'width'],
      },
    ],
    initializers: [
      w.tensor,
      b.tensor,
      { name: 'scales', dims: [4], values: [1, 1, VAE_FACTOR, VAE_FACTOR] },
    ],
    nodes: [
      ...latent.nodes,
      ...w.nodes,
      ...b.nodes,
      { op: 'Conv', inputs: [latent.output, w.output, b.output], outputs: ['colours'] },
      {
        op: 'Resize',
        inputs: ['colours', '', 'scales'],
        outputs: ['upsampled'],
        attributes: {
          coordinate_transformation_mode: { string: 'asymmetric' },
          mode: { string: 'nearest' },
          nearest_mode: { string: 'floor' },
        },
      },
      ...floatOut(v, 'upsampled', 'sample'),
    ],
  });
}

const VAE_CONFIG = {
  _class_name: 'AutoencoderKL',
  in_channels: 3,
  latent_channels: 4,
  out_channels: 3,
  sample_size: 512,
  scaling_factor: 0.18215,
};

/** The configs every variant shares, by path inside the folder (diffusers' trimmed fields). */

/** timbrooks/instruct-pix2pix's scheduler/scheduler_config.json (also the scheduler tests' config). */
export const PIX2PIX_SCHEDULER = {
  _class_name: 'EulerAncestralDiscreteScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: 'epsilon',
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
} as const;

const CONFIGS: Readonly<Record<string, Record<string, unknown>>> = {
  'model_index.json': {
    _class_name: 'StableDiffusionInstructPix2PixPipeline',
    _diffusers_version: '0.30.0',
    feature_extractor: [null, null],
    image_encoder: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', 'EulerAncestralDiscreteScheduler'],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
  },
  'scheduler/scheduler_config.json': PIX2PIX_SCHEDULER,
  'text_encoder/config.json': {
    architectures: ['CLIPTextModel'],
    hidden_size: HIDDEN,
    max_position_embeddings: 77,
    vocab_size: VOCAB_SIZE,
  },
  'unet/config.json': {
    _class_name: 'UNet2DConditionModel',
    cross_attention_dim: HIDDEN,
    in_channels: 8,
    out_channels: 4,
    sample_size: 64,
  },
  'vae_decoder/config.json': VAE_CONFIG,
  'vae_encoder/config.json': VAE_CONFIG,
};

const encoder = new TextEncoder();

/** JSON as diffusers and transformers save it: two-space indent, a final newline. */
function json(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** One variant's files, by path inside its folder. */
export function variantFiles(v: DiffusionVariant): FixtureFile[] {
  if (FIXTURE_VOCAB_SIZE > VOCAB_SIZE) {
    throw new RangeError(
      `the tokenizer fixture has ${FIXTURE_VOCAB_SIZE} ids, E only ${VOCAB_SIZE}`,
    );
  }
  const models = {
    text_encoder: textEncoder(v),
    unet: unet(v),
    vae_decoder: vaeDecoder(v),
    vae_encoder: vaeEncoder(v),
  };
  const files: FixtureFile[] = Object.entries(CONFIGS).map(([name, config]) => ({
    name,
    bytes: json(config),
  }));
  for (const [folder, spec] of Object.entries(models)) {
    const written = modelFiles(spec);
    files.push({ name: `${folder}/model.onnx`, bytes: written.model });
    if (written.data !== null)
      files.push({ name: `${folder}/model.onnx_data`, bytes: written.data });
  }
  for (const file of tokenizerFiles(v.tokenizer))
    files.push({ name: `tokenizer/${file.name}`, bytes: file.bytes });
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every file under test/fixtures/diffusion/ that the generator owns, README included. */
export function diffusionFixtureFiles(): FixtureFile[] {
  const files = DIFFUSION_VARIANTS.flatMap((v) =>
    variantFiles(v).map((f) => ({ name: `${v.name}/${f.name}`, bytes: f.bytes })),
  );
  files.push({ name: 'README.md', bytes: encoder.encode(readme()) });
  return files;
}

function readme(): string {
  return [
    '# Diffusion editor fixture folders',
    '',
    "Tiny InstructPix2Pix model folders in the layout of Hugging Face optimum's ONNX export",
    '(`optimum-cli export onnx --model timbrooks/instruct-pix2pix --task image-to-image DIR`), a few',
    'KB each, with the real file, input and output names, element types and dynamic axes, so the',
    'diffusion editor is tested without weights. Generated by `npx tsx scripts/makeFixtures.ts`',
    '(scripts/diffusion/fixtures.ts; the tokenizer files from scripts/diffusion/tokenizerFixture.ts).',
    'Do not edit by hand: a unit test checks that these files match the generator byte for byte.',
    '',
    '## Variants',
    '',
    ...DIFFUSION_VARIANTS.map((v) => `- \`${v.name}/\`: ${v.readme}`),
    '',
    'Every folder has `model_index.json` (StableDiffusionInstructPix2PixPipeline),',
    "`scheduler/scheduler_config.json` (instruct-pix2pix's EulerAncestralDiscreteScheduler), a trimmed",
    '`config.json` beside each model (VAE `scaling_factor` 0.18215) and `tokenizer/`.',
    '',
    '## What the models compute',
    '',
    'Dimensions: b batch item, s token, d and k hidden feature (8), c and o channels, y and x pixels.',
    'Weights are multiples of 1/8 (exact in float16, so the fp16 variant computes the same numbers',
    'in float32 inside and rounds only its float16 inputs and outputs).',
    '',
    '- `text_encoder/model.onnx`: `input_ids` [batch_size, sequence_length] -> `last_hidden_state`',
    '  [batch_size, sequence_length, 8] = E[input_ids[b][s]][d], with',
    '  `E[id][d] = 0.5 * sin(0.37 * id + 1.3 * d)` for id < 1024 (a larger id fails), and',
    '  `pooler_output` [batch_size, 8] = the row at position 0. E is built inside the graph in',
    '  float32 (Range, Mul, Add, Sin): compare within 1e-4, or within 1e-6 after repeating its',
    '  float32 roundings, `0.5 * sin(f(f(f(id) * f(0.37)) + f(1.3 * d)))` with f = Math.fround.',
    '- `vae_encoder/model.onnx`: `sample` [batch_size, 3, height, width] -> m[b][c][Y][X] = mean of',
    '  the 8x8 block (8Y.., 8X..) -> `latent_parameters` [batch_size, 8, height/8, width/8] =',
    '  `a[o] + sum_c A[o][c] * m[b][c]`, `A[o][c] = ((o + 3c) mod 7 - 3) / 4`, `a[o] = (o - 4) / 8`;',
    '  channels 0-3 are the mean, 4-7 the log-variance. Legacy: `latent_sample` [batch_size, 4, ...]',
    '  = channels 0-3 + 0.05 * n, n ~ N(0, 1) from a RandomNormalLike without a seed attribute.',
    '  onnxruntime seeds it with a number fixed when the process loads the library (plus the',
    '  node index): each run of a session draws new noise, a new session in the same process',
    '  replays the same draws, another process draws others; its API has no way to set that seed.',
    '- `unet/model.onnx`: `sample` [batch_size, 8, height, width], `timestep` (0-d, or [steps] int64),',
    '  `encoder_hidden_states` [batch_size, sequence_length, 8] -> `out_sample` [batch_size, 4,',
    '  height, width] = `tanh(sum_i C[o][i] * sample[b][i][y][x] + sum_k P[o][k] * t[b][k] + 0.001 * T)`',
    '  with t[b][k] the mean over tokens of encoder_hidden_states[b][s][k], T the 0-d timestep or',
    '  timestep[b], `C[o][i] = ((3o + i) mod 5 - 2) / 4`, `P[o][k] = ((o + 2k) mod 5 - 2) / 2`.',
    '- `vae_decoder/model.onnx`: `latent_sample` [batch_size, 4, height_latent, width_latent] ->',
    '  `sample` [batch_size, 3, 8 height_latent, 8 width_latent] =',
    '  `e[o] + sum_c D[o][c] * latent_sample[b][c][floor(y/8)][floor(x/8)]`,',
    '  `D[o][c] = ((o + 2c) mod 5 - 2) / 4`, `e = [-0.25, 0, 0.25]`.',
    '',
  ].join('\n');
}
