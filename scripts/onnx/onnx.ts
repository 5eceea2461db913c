// ONNX messages (onnx/onnx.proto, proto2) as typed builders over the hand-written wire format:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto,
// TensorShapeProto and OperatorSetIdProto. Only what the test fixtures need; each builder writes
// its fields in field-number order, as protoc does, so equal inputs give equal bytes.
import {
  bytesField,
  concat,
  float32Bytes,
  floatField,
  intField,
  repeatedInts,
  repeatedMessages,
  repeatedStrings,
  stringField,
} from './protobuf';

/** TensorProto.DataType values used by the fixtures. */
export const DATA_TYPE = { float: 1, float16: 10 } as const;

/** An ONNX element type. */
export type DataType = (typeof DATA_TYPE)[keyof typeof DATA_TYPE];

/** A dimension: a number is fixed (dim_value), a string is symbolic (dim_param). */
export type Dim = number | string;

/** A float32 constant (graph initializer), stored as raw little-endian data. */
export interface TensorSpec {
  name: string;
  dims: readonly number[];
  values: readonly number[];
}

/** A node attribute value. */
export type AttributeValue = { int: number } | { ints: readonly number[] } | { float: number };

/** One operator application. */
export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or output. */
export interface ValueSpec {
  name: string;
  type: DataType;
  shape: readonly Dim[];
}

/** A whole model: one graph, one default-domain opset. */
export interface ModelSpec {
  name: string;
  doc: string;
  nodes: readonly NodeSpec[];
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  initializers: readonly TensorSpec[];
  opset: number;
}

// AttributeProto.AttributeType
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

/** TensorProto with raw_data. */
export function tensorProto(spec: TensorSpec): Uint8Array {
  const count = spec.dims.reduce((n, d) => n * d, 1);
  if (spec.values.length !== count) {
    throw new RangeError(
      `tensor ${spec.name}: ${spec.values.length} values for dims [${spec.dims.join(', ')}]`,
    );
  }
  return concat([
    repeatedInts(1, spec.dims),
    intField(2, DATA_TYPE.float),
    stringField(8, spec.name),
    bytesField(9, float32Bytes(spec.values)),
  ]);
}

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type, shape } } }. */
export function valueInfoProto(spec: ValueSpec): Uint8Array {
  const dims = spec.shape.map((d) => (typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const shape = repeatedMessages(1, dims);
  const tensorType = concat([intField(1, spec.type), bytesField(2, shape)]);
  const typeProto = bytesField(1, tensorType);
  return concat([stringField(1, spec.name), bytesField(2, typeProto)]);
}

/** AttributeProto with its type discriminator (required since IR version 2). */
export function attributeProto(name: string, value: AttributeValue): Uint8Array {
  if ('int' in value) {
    return concat([stringField(1, name), intField(3, value.int), intField(20, ATTRIBUTE_TYPE.int)]);
  }
  if ('ints' in value) {
    return concat([
      stringField(1, name),
      repeatedInts(8, value.ints),
      intField(20, ATTRIBUTE_TYPE.ints),
    ]);
  }
  return concat([
    stringField(1, name),
    floatField(2, value.float),
    intField(20, ATTRIBUTE_TYPE.float),
  ]);
}

/** NodeProto; the node is named after its first output, which keeps names unique. */
export function nodeProto(spec: NodeSpec): Uint8Array {
  const attributes = Object.entries(spec.attributes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => attributeProto(name, value));
  return concat([
    repeatedStrings(1, spec.inputs),
    repeatedStrings(2, spec.outputs),
    stringField(3, `${spec.op}_${spec.outputs[0] ?? ''}`),
    stringField(4, spec.op),
    repeatedMessages(5, attributes),
  ]);
}

/** GraphProto. */
export function graphProto(spec: ModelSpec): Uint8Array {
  return concat([
    repeatedMessages(1, spec.nodes.map(nodeProto)),
    stringField(2, spec.name),
    repeatedMessages(5, spec.initializers.map(tensorProto)),
    repeatedMessages(11, spec.inputs.map(valueInfoProto)),
    repeatedMessages(12, spec.outputs.map(valueInfoProto)),
  ]);
}

/** ModelProto: IR version 8 (ONNX 1.10+, read by every onnxruntime since 1.10). */
export function modelProto(spec: ModelSpec): Uint8Array {
  const opset = concat([stringField(1, ''), intField(2, spec.opset)]);
  return concat([
    intField(1, 8),
    stringField(2, 'propsweep scripts/makeFixtures.ts'),
    stringField(6, spec.doc),
    bytesField(7, graphProto(spec)),
    bytesField(8, opset),
  ]);
}
