// A UNet with the cost structure of Stable Diffusion 1.x's and InstructPix2Pix's interface (sample
// [batch, 8, h, w], a 0-d timestep, encoder_hidden_states [batch, sequence, width] -> out_sample
// [batch, 4, h, w]), with seeded random weights, for timing the diffusion editor: res blocks of
// GroupNorm, SiLU and 3x3 convolutions with the timestep embedding added, a down and an up path
// with skips, and transformer blocks (cross-attention over the text tokens, self-attention, a GEGLU
// feed-forward) where the shape asks for them. Built with the project's ONNX writer at bench time;
// the weights go to model.onnx_data (a full-size UNet has 3.4 GB of them), tiled from a seeded
// pool per scale so that writing them costs no more than the disk.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { HIDDEN } from '../scripts/diffusion/fixtures';
import {
  DATA_TYPE,
  modelProto,
  type AttributeValue,
  type DataType,
  type ExternalData,
  type NodeSpec,
  type TensorSpec,
} from '../scripts/onnx/onnx';
import { Rng } from '../src/extension/measures/rng';
import { toFloat16Array } from '../src/shared/float16';

/** What a level of the UNet attends to: nothing, the text tokens, or itself and the text. */
export type Attention = 'none' | 'cross' | 'self';

/** The widths and blocks of a generated UNet. */
export interface UnetShape {
  readonly name: string;
  /** Channels of each resolution level, the first at the latents' size, each next one halved. */
  readonly widths: readonly number[];
  /** Res blocks per level, on the way down and on the way up. */
  readonly blocks: number;
  /** The attention of each level (the middle block at the lowest level always has 'self'). */
  readonly attention: readonly Attention[];
  readonly heads: number;
  /** A GEGLU feed-forward in every transformer block, as Stable Diffusion's. */
  readonly feedForward: boolean;
  readonly float: 'float32' | 'float16';
}

/** Mid-size, for a 2-core CPU: 64/128/256 channels, cross-attention at the two lower levels. */
export const MID_UNET: UnetShape = {
  name: 'mid',
  widths: [64, 128, 256],
  blocks: 1,
  attention: ['none', 'cross', 'self'],
  heads: 4,
  feedForward: false,
  float: 'float32',
};

/**
 * Stable Diffusion 1.5's widths (320/640/1280/1280, two res blocks a level, transformer blocks with
 * self- and cross-attention and a GEGLU feed-forward at the three upper levels, 8 heads).
 */
export function fullUnet(float: 'float32' | 'float16'): UnetShape {
  return {
    name: `full-${float === 'float16' ? 'fp16' : 'fp32'}`,
    widths: [320, 640, 1280, 1280],
    blocks: 2,
    attention: ['self', 'self', 'self', 'none'],
    heads: 8,
    feedForward: true,
    float,
  };
}

/** How a weight is filled: seeded uniform values of unit variance times `scale`, or a constant. */
type Fill = { readonly scale: number } | { readonly value: number };

interface Weight {
  readonly name: string;
  readonly dims: readonly number[];
  readonly fill: Fill;
}

/** The graph under construction, with its multiply-accumulates per image counted as it grows. */
class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly weights: Weight[] = [];
  readonly inline: TensorSpec[] = [];
  /** Multiply-accumulates of one image at the latent size the graph was built for. */
  macs = 0;
  private count = 0;

  constructor(readonly type: DataType) {}

  op(op: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>): string {
    const output = `${op.toLowerCase()}_${this.count++}`;
    this.nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  }

  weight(prefix: string, dims: readonly number[], fill: Fill): string {
    const name = `${prefix}_${this.count++}`;
    this.weights.push({ name, dims, fill });
    return name;
  }

  ints(values: readonly number[]): string {
    const name = `ints_${this.count++}`;
    this.inline.push({ name, dims: [values.length], values, type: DATA_TYPE.int64 });
    return name;
  }

  scalar(value: number): string {
    const name = `scalar_${this.count++}`;
    this.inline.push({ name, dims: [], values: [value], type: this.type });
    return name;
  }
}

type Size = readonly [number, number];

function conv(
  g: Graph,
  x: string,
  cin: number,
  cout: number,
  out: Size,
  k = 3,
  stride = 1,
): string {
  const w = g.weight('conv.weight', [cout, cin, k, k], { scale: Math.sqrt(1 / (cin * k * k)) });
  const b = g.weight('conv.bias', [cout], { value: 0 });
  g.macs += cout * cin * k * k * out[0] * out[1];
  const pad = (k - 1) / 2;
  return g.op('Conv', [x, w, b], {
    kernel_shape: { ints: [k, k] },
    pads: { ints: [pad, pad, pad, pad] },
    strides: { ints: [stride, stride] },
  });
}

/** GroupNorm(32) as exporters write it: InstanceNormalization over [batch, groups, rest]. */
function groupNorm(g: Graph, x: string, c: number): string {
  const groups = Math.min(32, c);
  const shape = g.op('Shape', [x]);
  const grouped = g.op('Reshape', [x, g.ints([0, groups, -1])]);
  const normed = g.op('InstanceNormalization', [
    grouped,
    g.weight('norm.one', [groups], { value: 1 }),
    g.weight('norm.zero', [groups], { value: 0 }),
  ]);
  const back = g.op('Reshape', [normed, shape]);
  const scaled = g.op('Mul', [back, g.weight('norm.gamma', [c, 1, 1], { value: 1 })]);
  return g.op('Add', [scaled, g.weight('norm.beta', [c, 1, 1], { value: 0 })]);
}

function silu(g: Graph, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

function linear(g: Graph, x: string, cin: number, cout: number, rows: number): string {
  const w = g.weight('linear.weight', [cin, cout], { scale: Math.sqrt(1 / cin) });
  g.macs += rows * cin * cout;
  return g.op('Add', [g.op('MatMul', [x, w]), g.weight('linear.bias', [cout], { value: 0 })]);
}

function layerNorm(g: Graph, x: string, c: number): string {
  return g.op(
    'LayerNormalization',
    [x, g.weight('ln.gamma', [c], { value: 1 }), g.weight('ln.beta', [c], { value: 0 })],
    { axis: { int: -1 }, epsilon: { float: 1e-5 } },
  );
}

/** Multi-head attention of n query tokens over m key tokens of width cKv. */
function attention(
  g: Graph,
  query: string,
  keys: string,
  c: number,
  cKv: number,
  n: number,
  m: number,
  heads: number,
): string {
  const dh = c / heads;
  const split = (x: string, perm: number[]): string =>
    g.op('Transpose', [g.op('Reshape', [x, g.ints([0, -1, heads, dh])])], { perm: { ints: perm } });
  const wq = g.weight('attn.q', [c, c], { scale: Math.sqrt(1 / c) });
  const wk = g.weight('attn.k', [cKv, c], { scale: Math.sqrt(1 / cKv) });
  const wv = g.weight('attn.v', [cKv, c], { scale: Math.sqrt(1 / cKv) });
  const q = split(g.op('MatMul', [query, wq]), [0, 2, 1, 3]);
  const k = split(g.op('MatMul', [keys, wk]), [0, 2, 3, 1]);
  const v = split(g.op('MatMul', [keys, wv]), [0, 2, 1, 3]);
  const scores = g.op('Mul', [g.op('MatMul', [q, k]), g.scalar(1 / Math.sqrt(dh))]);
  const mixed = g.op('MatMul', [g.op('Softmax', [scores], { axis: { int: -1 } }), v]);
  const merged = g.op('Reshape', [
    g.op('Transpose', [mixed], { perm: { ints: [0, 2, 1, 3] } }),
    g.ints([0, -1, c]),
  ]);
  g.macs += n * c * c + 2 * m * cKv * c + 2 * n * m * c;
  return linear(g, merged, c, c, n);
}

/** GEGLU: (x W1)[:4c] * gelu((x W1)[4c:]), then W2 (Stable Diffusion's feed-forward). */
function feedForward(g: Graph, x: string, c: number, n: number): string {
  const projected = linear(g, x, c, 8 * c, n);
  const value = `ff.value_${g.nodes.length}`;
  const gate = `ff.gate_${g.nodes.length}`;
  g.nodes.push({
    op: 'Split',
    inputs: [projected, g.ints([4 * c, 4 * c])],
    outputs: [value, gate],
    attributes: { axis: { int: -1 } },
  });
  const erf = g.op('Erf', [g.op('Mul', [gate, g.scalar(Math.SQRT1_2)])]);
  const gelu = g.op('Mul', [g.op('Mul', [gate, g.scalar(0.5)]), g.op('Add', [erf, g.scalar(1)])]);
  return linear(g, g.op('Mul', [value, gelu]), 4 * c, c, n);
}

interface Context {
  readonly shape: UnetShape;
  readonly text: string;
  readonly tokens: number;
  /** The SiLU of the timestep embedding, [1, embedding]. */
  readonly time: string;
  readonly embedding: number;
}

function resBlock(
  g: Graph,
  ctx: Context,
  x: string,
  cin: number,
  cout: number,
  size: Size,
): string {
  let h = conv(g, silu(g, groupNorm(g, x, cin)), cin, cout, size);
  const time = linear(g, ctx.time, ctx.embedding, cout, 1);
  h = g.op('Add', [h, g.op('Reshape', [time, g.ints([1, cout, 1, 1])])]);
  h = conv(g, silu(g, groupNorm(g, h, cout)), cout, cout, size);
  const skip = cin === cout ? x : conv(g, x, cin, cout, size, 1);
  return g.op('Add', [skip, h]);
}

function transformer(
  g: Graph,
  ctx: Context,
  x: string,
  c: number,
  size: Size,
  kind: Attention,
): string {
  if (kind === 'none') return x;
  const n = size[0] * size[1];
  const shape = g.op('Shape', [x]);
  const projected = conv(g, groupNorm(g, x, c), c, c, size, 1);
  let t = g.op('Transpose', [g.op('Reshape', [projected, g.ints([0, c, -1])])], {
    perm: { ints: [0, 2, 1] },
  });
  if (kind === 'self') {
    const normed = layerNorm(g, t, c);
    t = g.op('Add', [t, attention(g, normed, normed, c, c, n, n, ctx.shape.heads)]);
  }
  const normed = layerNorm(g, t, c);
  t = g.op('Add', [t, attention(g, normed, ctx.text, c, HIDDEN, n, ctx.tokens, ctx.shape.heads)]);
  if (ctx.shape.feedForward) t = g.op('Add', [t, feedForward(g, layerNorm(g, t, c), c, n)]);
  const back = g.op('Reshape', [g.op('Transpose', [t], { perm: { ints: [0, 2, 1] } }), shape]);
  return g.op('Add', [x, conv(g, back, c, c, size, 1)]);
}

/** The sinusoidal timestep embedding (in float32) and its two-layer MLP, [1, 4 widths[0]]. */
function timeEmbedding(g: Graph, base: number): string {
  const half = base / 2;
  const freqs = `freqs_${g.nodes.length}`;
  g.inline.push({
    name: freqs,
    dims: [half],
    values: Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10_000) * i) / half)),
  });
  const t =
    g.type === DATA_TYPE.float
      ? 'timestep'
      : g.op('Cast', ['timestep'], { to: { int: DATA_TYPE.float } });
  const angles = g.op('Mul', [t, freqs]);
  const sinusoid = g.op('Concat', [g.op('Sin', [angles]), g.op('Cos', [angles])], {
    axis: { int: 0 },
  });
  let e = g.op('Unsqueeze', [sinusoid, g.ints([0])]);
  if (g.type !== DATA_TYPE.float) e = g.op('Cast', [e], { to: { int: g.type } });
  const embedding = 4 * base;
  const hidden = silu(g, linear(g, e, base, embedding, 1));
  return silu(g, linear(g, hidden, embedding, embedding, 1));
}

/** A built UNet: the graph (weights still to write) and its cost. */
export interface BuiltUnet {
  readonly graph: Graph;
  /** Multiply-accumulates per image at the latent size it was built for. */
  readonly macs: number;
  readonly parameters: number;
}

/** The UNet's graph; `latent` [height, width] only sizes the multiply-accumulate count. */
export function buildUnet(shape: UnetShape, latent: Size): BuiltUnet {
  const type = shape.float === 'float16' ? DATA_TYPE.float16 : DATA_TYPE.float;
  const g = new Graph(type);
  const levels = shape.widths.length;
  const size = (l: number): Size => [latent[0] >> l, latent[1] >> l];
  const width = (l: number): number => shape.widths[l] ?? 0;
  const ctx: Context = {
    shape,
    text: 'encoder_hidden_states',
    tokens: 77,
    time: timeEmbedding(g, width(0)),
    embedding: 4 * width(0),
  };
  let x = conv(g, 'sample', 8, width(0), size(0));
  let channels = width(0);
  const skips: { value: string; channels: number }[] = [];
  for (let l = 0; l < levels; l++) {
    for (let b = 0; b < shape.blocks; b++) {
      x = resBlock(g, ctx, x, channels, width(l), size(l));
      channels = width(l);
      x = transformer(g, ctx, x, channels, size(l), shape.attention[l] ?? 'none');
    }
    skips.push({ value: x, channels });
    if (l + 1 < levels) x = conv(g, x, channels, channels, size(l + 1), 3, 2);
  }
  const last = size(levels - 1);
  x = resBlock(g, ctx, x, channels, channels, last);
  x = transformer(g, ctx, x, channels, last, 'self');
  x = resBlock(g, ctx, x, channels, channels, last);
  for (let l = levels - 1; l >= 0; l--) {
    const skip = skips[l];
    if (skip === undefined) throw new Error(`no skip at level ${l}`);
    x = g.op('Concat', [x, skip.value], { axis: { int: 1 } });
    channels += skip.channels;
    for (let b = 0; b < shape.blocks; b++) {
      x = resBlock(g, ctx, x, channels, width(l), size(l));
      channels = width(l);
      x = transformer(g, ctx, x, channels, size(l), shape.attention[l] ?? 'none');
    }
    if (l > 0) {
      const scales = `scales_${g.nodes.length}`;
      g.inline.push({ name: scales, dims: [4], values: [1, 1, 2, 2] });
      x = g.op('Resize', [x, '', scales], { mode: { string: 'nearest' } });
      x = conv(g, x, channels, channels, size(l - 1));
    }
  }
  g.nodes.push({
    op: 'Identity',
    inputs: [conv(g, silu(g, groupNorm(g, x, channels)), channels, 4, size(0))],
    outputs: ['out_sample'],
  });
  const parameters = g.weights.reduce((n, w) => n + w.dims.reduce((a, d) => a * d, 1), 0);
  return { graph: g, macs: g.macs, parameters };
}

const POOL = 1 << 20;

/**
 * Writes `unet/model.onnx` and `unet/model.onnx_data` under `folder`: every weight external,
 * tiled from a seeded pool of POOL values per scale (random weights need not be independent to
 * cost what real ones cost), large ones at page-aligned offsets.
 */
export function writeUnet(folder: string, built: BuiltUnet, seed: number): number {
  const { graph } = built;
  const half = graph.type === DATA_TYPE.float16;
  const itemBytes = half ? 2 : 4;
  const rng = new Rng(seed);
  const unit = Float32Array.from({ length: POOL }, () => (rng.nextFloat() * 2 - 1) * Math.sqrt(3));
  const pools = new Map<string, Uint8Array>();
  const pool = (fill: Fill): Uint8Array => {
    const key = 'scale' in fill ? `s${fill.scale}` : `v${fill.value}`;
    let bytes = pools.get(key);
    if (bytes === undefined) {
      const values =
        'scale' in fill ? unit.map((u) => u * fill.scale) : new Float32Array(POOL).fill(fill.value);
      const typed = half ? toFloat16Array(values) : values;
      bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      pools.set(key, bytes);
    }
    return bytes;
  };
  const dir = join(folder, 'unet');
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, 'model.onnx_data'), 'w');
  const external = new Map<string, ExternalData>();
  let offset = 0;
  try {
    for (const w of graph.weights) {
      const length = w.dims.reduce((n, d) => n * d, 1) * itemBytes;
      if (length >= 1 << 20 && offset % 4096 !== 0) {
        const padding = 4096 - (offset % 4096);
        writeSync(fd, new Uint8Array(padding));
        offset += padding;
      }
      const bytes = pool(w.fill);
      let start = (rng.nextBelow(POOL) * itemBytes) % bytes.length;
      for (let written = 0; written < length;) {
        const take = Math.min(length - written, bytes.length - start);
        writeSync(fd, bytes, start, take);
        written += take;
        start = 0;
      }
      external.set(w.name, { location: 'model.onnx_data', offset, length });
      offset += length;
    }
  } finally {
    closeSync(fd);
  }
  const float = graph.type;
  const model = modelProto(
    {
      name: 'unet',
      doc: 'propsweep bench: a random-weight UNet with the cost structure of Stable Diffusion 1.x',
      nodes: graph.nodes,
      inputs: [
        { name: 'sample', type: float, shape: ['batch_size', 8, 'height', 'width'] },
        { name: 'timestep', type: float, shape: [] },
        {
          name: 'encoder_hidden_states',
          type: float,
          shape: ['batch_size', 'sequence_length', HIDDEN],
        },
      ],
      outputs: [{ name: 'out_sample', type: float, shape: ['batch_size', 4, 'height', 'width'] }],
      initializers: [
        ...graph.inline,
        // Written above; tensorProto reads no values for an external tensor.
        ...graph.weights.map((w) => ({ name: w.name, dims: w.dims, values: [], type: float })),
      ],
      opset: 17,
    },
    external,
  );
  writeFileSync(join(dir, 'model.onnx'), model);
  return offset;
}
