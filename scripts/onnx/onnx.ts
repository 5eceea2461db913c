// ONNX messages (onnx/onnx.proto, proto2) as typed builders over the hand-written wire format:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (raw or external data),
// StringStringEntryProto, ValueInfoProto, TypeProto, TensorShapeProto and OperatorSetIdProto.
// Only what the test fixtures need; each builder writes its fields in field-number order, as
// protoc does, so equal inputs give equal bytes.
import { toHalfBits } from '../../src/shared/float16';
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
export const DATA_TYPE = { float: 1, int32: 6, int64: 7, float16: 10 } as const;

/** An ONNX element type. */
export type DataType = (typeof DATA_TYPE)[keyof typeof DATA_TYPE];

/** A dimension: a number is fixed (dim_value), a string is symbolic (dim_param). */
export type Dim = number | string;

/**
 * A constant (graph initializer), stored as raw little-endian data: float32 unless `type` says
 * otherwise (integer types take safe integers, float16 is rounded to the nearest half). An
 * `external` one is written to the model's external data file instead (see modelFiles).
 */
export interface TensorSpec {
  name: string;
  dims: readonly number[];
  values: readonly number[];
  type?: DataType;
  external?: boolean;
}

/** Where an external tensor's bytes are: a file beside the model, and a byte range in it. */
export interface ExternalData {
  location: string;
  offset: number;
  length: number;
}

/** A node attribute value. */
export type AttributeValue =
  { int: number } | { ints: readonly number[] } | { float: number } | { string: string };

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
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

// TensorProto.DataLocation
const DATA_LOCATION_EXTERNAL = 1;

/** The raw little-endian bytes of a constant, in its element type. */
export function tensorBytes(spec: TensorSpec): Uint8Array {
  const count = spec.dims.reduce((n, d) => n * d, 1);
  if (spec.values.length !== count) {
    throw new RangeError(
      `tensor ${spec.name}: ${spec.values.length} values for dims [${spec.dims.join(', ')}]`,
    );
  }
  const type = spec.type ?? DATA_TYPE.float;
  if (type === DATA_TYPE.float) return float32Bytes(spec.values);
  const size = { [DATA_TYPE.int32]: 4, [DATA_TYPE.int64]: 8, [DATA_TYPE.float16]: 2 }[type];
  const view = new DataView(new ArrayBuffer(count * size));
  spec.values.forEach((v, i) => {
    if (type === DATA_TYPE.float16) view.setUint16(i * 2, toHalfBits(v), true);
    else if (!Number.isSafeInteger(v))
      throw new RangeError(`tensor ${spec.name}: ${v} is no integer`);
    else if (type === DATA_TYPE.int32) view.setInt32(i * 4, v, true);
    else view.setBigInt64(i * 8, BigInt(v), true);
  });
  return new Uint8Array(view.buffer);
}

/**
 * TensorProto with raw_data, or, given `external`, with external_data entries (location, offset,
 * length, the keys and order the onnx package writes) and data_location EXTERNAL.
 */
export function tensorProto(spec: TensorSpec, external?: ExternalData): Uint8Array {
  const head = [
    repeatedInts(1, spec.dims),
    intField(2, spec.type ?? DATA_TYPE.float),
    stringField(8, spec.name),
  ];
  if (external === undefined) return concat([...head, bytesField(9, tensorBytes(spec))]);
  const entries = [
    ['location', external.location],
    ['offset', String(external.offset)],
    ['length', String(external.length)],
  ].map(([k = '', v = '']) => concat([stringField(1, k), stringField(2, v)]));
  return concat([...head, repeatedMessages(13, entries), intField(14, DATA_LOCATION_EXTERNAL)]);
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
  if ('string' in value) {
    return concat([
      stringField(1, name),
      stringField(4, value.string),
      intField(20, ATTRIBUTE_TYPE.string),
    ]);
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

/** GraphProto; `external` places initializers (by name) in the external data file. */
export function graphProto(
  spec: ModelSpec,
  external: ReadonlyMap<string, ExternalData> = new Map(),
): Uint8Array {
  return concat([
    repeatedMessages(1, spec.nodes.map(nodeProto)),
    stringField(2, spec.name),
    repeatedMessages(
      5,
      spec.initializers.map((t) => tensorProto(t, external.get(t.name))),
    ),
    repeatedMessages(11, spec.inputs.map(valueInfoProto)),
    repeatedMessages(12, spec.outputs.map(valueInfoProto)),
  ]);
}

/** ModelProto: IR version 8 (ONNX 1.10+, read by every onnxruntime since 1.10). */
export function modelProto(
  spec: ModelSpec,
  external: ReadonlyMap<string, ExternalData> = new Map(),
): Uint8Array {
  const placed = spec.initializers.filter((t) => t.external === true && !external.has(t.name));
  if (placed.length > 0) {
    throw new Error(
      `model ${spec.name}: external initializer ${placed[0]?.name ?? ''} has no data file: write it with modelFiles`,
    );
  }
  const opset = concat([stringField(1, ''), intField(2, spec.opset)]);
  return concat([
    intField(1, 8),
    stringField(2, 'propsweep scripts/makeFixtures.ts'),
    stringField(6, spec.doc),
    bytesField(7, graphProto(spec, external)),
    bytesField(8, opset),
  ]);
}

/** A model and, when some initializers are external, the data file that goes beside it. */
export interface ModelFiles {
  model: Uint8Array;
  data: Uint8Array | null;
}

/**
 * The model, with its `external` initializers' bytes one after another in a data file named
 * `location` (relative to the model, as onnxruntime resolves it), as onnx's save_model with
 * all_tensors_to_one_file writes small tensors (no alignment padding).
 */
export function modelFiles(spec: ModelSpec, location = 'model.onnx_data'): ModelFiles {
  const chunks: Uint8Array[] = [];
  const external = new Map<string, ExternalData>();
  let offset = 0;
  for (const tensor of spec.initializers.filter((t) => t.external === true)) {
    const bytes = tensorBytes(tensor);
    external.set(tensor.name, { location, offset, length: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  return {
    model: modelProto(spec, external),
    data: chunks.length === 0 ? null : concat(chunks),
  };
}
