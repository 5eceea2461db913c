// A classifier with the cost of a real one, for timing: four strided 3x3 convolutions at 224x224
// (about 0.5 GMAC per image, a quarter of a ResNet-18), global pooling and a 1000-way head, with
// seeded random weights. Built with the project's own ONNX writer; no weights are downloaded.
// `width` 2 doubles every layer's channels: about four times the cost, a ResNet-18's.
import { Rng } from '../src/extension/measures/rng';
import { DATA_TYPE, modelProto, type NodeSpec, type TensorSpec } from '../scripts/onnx/onnx';

/**
 * The model's bytes and the sidecar that goes beside it; `size`: its input side in pixels;
 * `width`: a multiplier of the channels.
 */
export function benchModel(
  size = 224,
  width = 1,
): { onnx: Uint8Array; sidecar: Record<string, unknown> } {
  const rng = new Rng(2026);
  const channels = [3, ...[48, 96, 192, 384].map((c) => c * width)];
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let input = 'input';
  for (let l = 0; l + 1 < channels.length; l++) {
    const cin = channels[l] ?? 0;
    const cout = channels[l + 1] ?? 0;
    const scale = Math.sqrt(2 / (cin * 9));
    initializers.push(
      {
        name: `w${l}`,
        dims: [cout, cin, 3, 3],
        values: Array.from({ length: cout * cin * 9 }, () => (rng.nextFloat() * 2 - 1) * scale),
      },
      { name: `b${l}`, dims: [cout], values: new Array<number>(cout).fill(0) },
    );
    nodes.push(
      {
        op: 'Conv',
        inputs: [input, `w${l}`, `b${l}`],
        outputs: [`c${l}`],
        attributes: {
          kernel_shape: { ints: [3, 3] },
          strides: { ints: [2, 2] },
          pads: { ints: [1, 1, 1, 1] },
        },
      },
      { op: 'Relu', inputs: [`c${l}`], outputs: [`r${l}`] },
    );
    input = `r${l}`;
  }
  const last = channels.at(-1) ?? 0;
  initializers.push(
    {
      name: 'fc.w',
      dims: [1000, last],
      values: Array.from(
        { length: 1000 * last },
        () => (rng.nextFloat() * 2 - 1) / Math.sqrt(last),
      ),
    },
    { name: 'fc.b', dims: [1000], values: new Array<number>(1000).fill(0) },
  );
  nodes.push(
    { op: 'GlobalAveragePool', inputs: [input], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: { int: 1 } } },
    {
      op: 'Gemm',
      inputs: ['flat', 'fc.w', 'fc.b'],
      outputs: ['logits'],
      attributes: { transB: { int: 1 } },
    },
  );
  const onnx = modelProto({
    name: 'bench-convnet',
    doc: 'Timing model: random weights, realistic cost.',
    nodes,
    inputs: [{ name: 'input', type: DATA_TYPE.float, shape: ['batch', 3, size, size] }],
    outputs: [{ name: 'logits', type: DATA_TYPE.float, shape: ['batch', 1000] }],
    initializers,
    opset: 17,
  });
  const sidecar = {
    version: 1,
    layout: 'NCHW',
    inputSize: [size, size],
    resize: 'cover',
    range: [0, 1],
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    outputKind: 'logits',
  };
  return { onnx, sidecar };
}
