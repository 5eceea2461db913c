// The tiny ONNX classifiers the native tests run, with their sidecars and README lines. Every model
// averages each colour channel over the image and scores "red minus blue", so a test can work out
// the expected logits by hand: logit0 = 4 * (meanR - meanB), logit1 = -logit0, where meanR and
// meanB are the channel means of the tensor the model receives (after resizing and normalising).
import {
  DATA_TYPE,
  modelProto,
  type Dim,
  type ModelSpec,
  type NodeSpec,
  type TensorSpec,
} from './onnx';

/** One generated file under test/fixtures/models/. */
export interface FixtureFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A fixture model: its file, its optional sidecar and its README line. */
export interface FixtureModel {
  readonly name: string;
  readonly model: ModelSpec;
  readonly sidecar: Record<string, unknown> | null;
  /** What it computes and why it exists (one README line). */
  readonly readme: string;
}

// Default-domain opset 17 (ONNX 1.12): every op used here has had its current semantics since.
const OPSET = 17;

/** Gemm weights [2, 3] (transB): logit0 = 4 * (R - B), logit1 = -4 * (R - B). */
const HEAD_WEIGHTS = [4, 0, -4, -4, 0, 4] as const;

const head: TensorSpec[] = [
  { name: 'head.weight', dims: [2, 3], values: HEAD_WEIGHTS },
  { name: 'head.bias', dims: [2], values: [0, 0] },
];

/** GlobalAveragePool -> Flatten -> Gemm: channel means to two "red minus blue" logits. */
function redBlueHead(image: string, logits: string): NodeSpec[] {
  return [
    { op: 'GlobalAveragePool', inputs: [image], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['means'], attributes: { axis: { int: 1 } } },
    {
      op: 'Gemm',
      inputs: ['means', 'head.weight', 'head.bias'],
      outputs: [logits],
      attributes: { transB: { int: 1 } },
    },
  ];
}

const nchw = (batch: Dim): Dim[] => [batch, 3, 8, 8];
const float = DATA_TYPE.float;

/** The sidecar shared by the red/blue models: identity normalisation so means are plain [0, 1]. */
const RED_BLUE_SIDECAR = {
  version: 1,
  layout: 'NCHW',
  inputSize: [8, 8],
  resize: 'fill',
  range: [0, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  channelOrder: 'RGB',
  labels: ['red', 'blue'],
  outputKind: 'logits',
  description: 'propsweep test fixture: 4 * (mean red - mean blue)',
};

function model(
  name: string,
  doc: string,
  parts: Omit<ModelSpec, 'name' | 'doc' | 'opset'>,
): ModelSpec {
  return { name, doc, opset: OPSET, ...parts };
}

/** Every fixture model, in README order. */
export function fixtureModels(): FixtureModel[] {
  return [
    {
      name: 'tiny-nchw',
      readme:
        'input [batch,3,8,8] float32 -> channel means -> logits 4(R-B), -4(R-B); sidecar labels red/blue, identity normalisation. The reference model: hand-computed logits, resize modes, mean/std and BGR flags.',
      sidecar: RED_BLUE_SIDECAR,
      model: model('tiny_nchw', 'red vs blue, NCHW', {
        inputs: [{ name: 'image', type: float, shape: nchw('batch') }],
        outputs: [{ name: 'logits', type: float, shape: ['batch', 2] }],
        initializers: head,
        nodes: redBlueHead('image', 'logits'),
      }),
    },
    {
      name: 'tiny-nhwc',
      readme:
        'input [batch,8,8,3] float32, Transpose to NCHW, then as tiny-nchw; no sidecar. Shows NHWC feeding and the defaults derived from the input shape (layout NHWC, 8x8, ImageNet mean/std, labels "class 0/1").',
      sidecar: null,
      model: model('tiny_nhwc', 'red vs blue, NHWC input', {
        inputs: [{ name: 'pixels', type: float, shape: ['batch', 8, 8, 3] }],
        outputs: [{ name: 'scores', type: float, shape: ['batch', 2] }],
        initializers: head,
        nodes: [
          {
            op: 'Transpose',
            inputs: ['pixels'],
            outputs: ['image'],
            attributes: { perm: { ints: [0, 3, 1, 2] } },
          },
          ...redBlueHead('image', 'scores'),
        ],
      }),
    },
    {
      name: 'tiny-fp16',
      readme:
        'as tiny-nchw with float16 input and output (Cast to float32 inside, Cast back at the end). Exercises the float32 <-> IEEE half conversion both ways.',
      sidecar: RED_BLUE_SIDECAR,
      model: model('tiny_fp16', 'red vs blue, float16 in and out', {
        inputs: [{ name: 'image', type: DATA_TYPE.float16, shape: nchw('batch') }],
        outputs: [{ name: 'logits', type: DATA_TYPE.float16, shape: ['batch', 2] }],
        initializers: head,
        nodes: [
          {
            op: 'Cast',
            inputs: ['image'],
            outputs: ['image32'],
            attributes: { to: { int: float } },
          },
          ...redBlueHead('image32', 'logits32'),
          {
            op: 'Cast',
            inputs: ['logits32'],
            outputs: ['logits'],
            attributes: { to: { int: DATA_TYPE.float16 } },
          },
        ],
      }),
    },
    {
      name: 'tiny-fixed-batch',
      readme:
        'as tiny-nchw with the batch fixed at 4 ([4,3,8,8] -> [4,2]). Exercises chunking into batches of 4 and padding the last chunk.',
      sidecar: RED_BLUE_SIDECAR,
      model: model('tiny_fixed_batch', 'red vs blue, batch of exactly 4', {
        inputs: [{ name: 'image', type: float, shape: nchw(4) }],
        outputs: [{ name: 'logits', type: float, shape: [4, 2] }],
        initializers: head,
        nodes: redBlueHead('image', 'logits'),
      }),
    },
    {
      name: 'tiny-any-size',
      readme:
        'input [batch,3,height,width] (symbolic sizes), otherwise tiny-nchw; no sidecar. Shows the 224x224 default when the model does not fix its image size.',
      sidecar: null,
      model: model('tiny_any_size', 'red vs blue, any image size', {
        inputs: [{ name: 'image', type: float, shape: ['batch', 3, 'height', 'width'] }],
        outputs: [{ name: 'logits', type: float, shape: ['batch', 2] }],
        initializers: head,
        nodes: redBlueHead('image', 'logits'),
      }),
    },
    {
      name: 'tiny-probs',
      readme:
        'tiny-nchw followed by Softmax; sidecar outputKind "probabilities". Checks that probabilities are passed through, not softmaxed twice.',
      sidecar: { ...RED_BLUE_SIDECAR, outputKind: 'probabilities' },
      model: model('tiny_probs', 'red vs blue, softmax inside', {
        inputs: [{ name: 'image', type: float, shape: nchw('batch') }],
        outputs: [{ name: 'probabilities', type: float, shape: ['batch', 2] }],
        initializers: head,
        nodes: [
          ...redBlueHead('image', 'logits'),
          {
            op: 'Softmax',
            inputs: ['logits'],
            outputs: ['probabilities'],
            attributes: { axis: { int: 1 } },
          },
        ],
      }),
    },
    {
      name: 'bad-rank',
      readme:
        'input [batch,3,8] (rank 3, no image height/width), valid ONNX. Must be refused: propsweep feeds rank-4 images.',
      sidecar: null,
      model: model('bad_rank', 'not an image model: rank-3 input', {
        inputs: [{ name: 'sequence', type: float, shape: ['batch', 3, 8] }],
        outputs: [{ name: 'logits', type: float, shape: ['batch', 2] }],
        initializers: head,
        nodes: redBlueHead('sequence', 'logits'),
      }),
    },
    {
      name: 'bad-channels',
      readme:
        'input [batch,1,8,8] (grayscale), valid ONNX. Must be refused: propsweep feeds 3-channel RGB.',
      sidecar: null,
      model: model('bad_channels', 'grayscale input', {
        inputs: [{ name: 'image', type: float, shape: ['batch', 1, 8, 8] }],
        outputs: [{ name: 'logits', type: float, shape: ['batch', 2] }],
        initializers: [
          { name: 'head.weight', dims: [2, 1], values: [1, -1] },
          { name: 'head.bias', dims: [2], values: [0, 0] },
        ],
        nodes: redBlueHead('image', 'logits'),
      }),
    },
    {
      name: 'nan',
      readme:
        'tiny-nchw plus 0 * sqrt(meanG - 0.5): NaN logits for images whose mean green is below 0.5, finite otherwise. Checks that NaN is reported with the image index, not averaged away.',
      sidecar: RED_BLUE_SIDECAR,
      model: model('nan', 'red vs blue, NaN unless green', {
        inputs: [{ name: 'image', type: float, shape: nchw('batch') }],
        outputs: [{ name: 'logits', type: float, shape: ['batch', 2] }],
        initializers: [
          ...head,
          { name: 'green.weight', dims: [2, 3], values: [0, 1, 0, 0, 1, 0] },
          { name: 'green.bias', dims: [2], values: [-0.5, -0.5] },
          { name: 'zero', dims: [], values: [0] },
        ],
        nodes: [
          ...redBlueHead('image', 'clean'),
          {
            op: 'Gemm',
            inputs: ['means', 'green.weight', 'green.bias'],
            outputs: ['greenOffset'],
            attributes: { transB: { int: 1 } },
          },
          { op: 'Sqrt', inputs: ['greenOffset'], outputs: ['root'] },
          { op: 'Mul', inputs: ['root', 'zero'], outputs: ['poison'] },
          { op: 'Add', inputs: ['clean', 'poison'], outputs: ['logits'] },
        ],
      }),
    },
  ];
}

/** Every file under test/fixtures/models/ that the generator owns, README included. */
export function fixtureFiles(): FixtureFile[] {
  const encoder = new TextEncoder();
  const models = fixtureModels();
  const files = models.flatMap((m) => [
    { name: `${m.name}.onnx`, bytes: modelProto(m.model) },
    ...(m.sidecar === null
      ? []
      : [{ name: `${m.name}.json`, bytes: encoder.encode(sidecarJson(m.sidecar)) }]),
  ]);
  files.push({ name: 'README.md', bytes: encoder.encode(readme(models)) });
  return files;
}

/** One field per line, lists on one line: how a person would write a sidecar. */
function sidecarJson(sidecar: Record<string, unknown>): string {
  const value = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(v);
  const fields = Object.entries(sidecar).map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)}`);
  return `{\n${fields.join(',\n')}\n}\n`;
}

function readme(models: readonly FixtureModel[]): string {
  return [
    '# Test fixture models',
    '',
    'Generated by `npx tsx scripts/makeFixtures.ts` (scripts/onnx/ writes the ONNX protobuf by hand; no',
    'Python). Do not edit by hand: change scripts/onnx/fixtures.ts and regenerate; a unit test checks',
    'that these files match the generator byte for byte. Every red/blue model computes',
    '`logit0 = 4 * (meanR - meanB)`, `logit1 = -logit0` over the tensor it receives.',
    '',
    ...models.map(
      (m) =>
        `- \`${m.name}.onnx\`${m.sidecar === null ? '' : ` (+ \`${m.name}.json\`)`}: ${m.readme}`,
    ),
    '',
  ].join('\n');
}
