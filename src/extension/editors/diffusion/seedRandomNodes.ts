// Gives every random node of an ONNX model a fixed `seed` attribute by editing the model's
// protobuf bytes. Older optimum exports of the VAE encoder draw `latent_sample` with an unseeded
// RandomNormalLike, and onnxruntime-node has no run-time seed, so the image conditioning would be
// random at every run; a seeded node makes it a function of the run's seed.
//
// A minimal wire-format walk (https://protobuf.dev/programming-guides/encoding/) over the few
// messages of onnx/onnx.proto that can hold nodes: ModelProto.graph (7) and .functions (25),
// GraphProto.node (1), FunctionProto.node (7), NodeProto.attribute (5), AttributeProto.g (6) and
// .graphs (11), so the random nodes in If/Loop/Scan bodies and model-local functions are seeded
// too. Only the messages on the path to a changed node are written anew (their lengths updated);
// every other byte, initializers included, is copied as it was, and a model without random nodes
// comes back as the same array.

/** Seeds a node can take: integers that float32 (the attribute's type) holds exactly. */
export const MAX_NODE_SEED = 2 ** 24;

/** The model with its random nodes seeded, and how many nodes were given the seed. */
export interface SeededModel {
  readonly bytes: Uint8Array;
  readonly seeded: number;
}

// Default-domain operators whose kernels draw from a generator seeded by their `seed` attribute.
const RANDOM_OPS = new Set([
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
]);

// Nested messages deeper than this are refused rather than recursed into: each If/Loop body
// adds three levels (attribute, graph, node), so real models stay far below it.
const MAX_DEPTH = 64;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

// AttributeProto.AttributeType.FLOAT
const ATTRIBUTE_FLOAT = 1;

type Kind = 'model' | 'graph' | 'function' | 'node' | 'attribute';

// The length-delimited fields of each message that lead to nodes.
const CHILDREN: Readonly<Record<Kind, ReadonlyMap<number, Kind>>> = {
  model: new Map([
    [7, 'graph'],
    [25, 'function'],
  ]),
  graph: new Map([[1, 'node']]),
  function: new Map([[7, 'node']]),
  node: new Map([[5, 'attribute']]),
  attribute: new Map([
    [6, 'graph'],
    [11, 'graph'],
  ]),
};

// One field of a message: its key at `start`, its value at [valueStart, end) (for a
// length-delimited field, after the length varint; `lengthStart` is where that varint begins).
interface Field {
  readonly number: number;
  readonly wire: number;
  readonly start: number;
  readonly lengthStart: number;
  readonly valueStart: number;
  readonly end: number;
}

const decoder = new TextDecoder();

/**
 * Sets the `seed` attribute (FLOAT) of every RandomNormal, RandomNormalLike, RandomUniform,
 * RandomUniformLike, Multinomial and Bernoulli node of the default domain, in the main graph, its
 * subgraphs and the model's functions, replacing a seed already there. Throws an Error on bytes
 * that are not a well-formed protobuf message and a RangeError on a seed outside [0, 2^24].
 */
export function seedRandomNodes(model: Uint8Array, seed: number): SeededModel {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_NODE_SEED) {
    throw new RangeError(
      `a node seed must be an integer from 0 to ${MAX_NODE_SEED} (exact in float32), got ${seed}`,
    );
  }
  const patched = patchMessage(model, 0, model.length, 'model', 0, seedAttribute(seed));
  return patched ?? { bytes: model, seeded: 0 };
}

// The message at [start, end) with its random nodes seeded, or null when nothing in it changed.
function patchMessage(
  model: Uint8Array,
  start: number,
  end: number,
  kind: Kind,
  depth: number,
  seed: Uint8Array,
): SeededModel | null {
  if (depth > MAX_DEPTH) {
    throw new Error(
      `invalid ONNX model: messages nested more than ${MAX_DEPTH} deep at byte ${start}`,
    );
  }
  const fields = readFields(model, start, end);
  const random = kind === 'node' && isRandomNode(model, fields);
  const children = CHILDREN[kind];
  const replaced = new Map<Field, Uint8Array>();
  let seeded = 0;
  let seedWritten = false;
  for (const field of fields) {
    const child = field.wire === WIRE_LENGTH ? children.get(field.number) : undefined;
    if (child === undefined) continue;
    if (
      random &&
      child === 'attribute' &&
      stringField(model, readFields(model, field.valueStart, field.end), 1) === 'seed'
    ) {
      // The first seed is replaced where it stood, any later one dropped (the last would win).
      replaced.set(field, seedWritten ? new Uint8Array(0) : seed);
      seedWritten = true;
      continue;
    }
    const inner = patchMessage(model, field.valueStart, field.end, child, depth + 1, seed);
    if (inner === null) continue;
    replaced.set(
      field,
      concat([
        model.subarray(field.start, field.lengthStart),
        varint(inner.bytes.length),
        inner.bytes,
      ]),
    );
    seeded += inner.seeded;
  }
  if (random) seeded += 1;
  if (replaced.size === 0 && !random) return null;
  const parts: Uint8Array[] = [];
  let copied = start;
  for (const [field, bytes] of replaced) {
    parts.push(model.subarray(copied, field.start), bytes);
    copied = field.end;
  }
  parts.push(model.subarray(copied, end));
  if (random && !seedWritten) parts.push(seed);
  return { bytes: concat(parts), seeded };
}

// Whether a node's op_type is a random operator of the default domain ('' or 'ai.onnx').
function isRandomNode(model: Uint8Array, fields: readonly Field[]): boolean {
  const domain = stringField(model, fields, 7) ?? '';
  const op = stringField(model, fields, 4) ?? '';
  return (domain === '' || domain === 'ai.onnx') && RANDOM_OPS.has(op);
}

// The value of a string field, the last occurrence winning as protobuf parsers do.
function stringField(
  model: Uint8Array,
  fields: readonly Field[],
  number: number,
): string | undefined {
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i];
    if (field?.number === number && field.wire === WIRE_LENGTH) {
      return decoder.decode(model.subarray(field.valueStart, field.end));
    }
  }
  return undefined;
}

// NodeProto.attribute (5) holding AttributeProto { name: 'seed', f: seed, type: FLOAT }, its
// fields in field-number order (1, 2, 20), as protoc and scripts/onnx write them.
function seedAttribute(seed: number): Uint8Array {
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, seed, true);
  const attribute = concat([
    Uint8Array.of(1 * 8 + WIRE_LENGTH, 4),
    new TextEncoder().encode('seed'),
    Uint8Array.of(2 * 8 + WIRE_FIXED32),
    f,
    varint(20 * 8 + WIRE_VARINT),
    Uint8Array.of(ATTRIBUTE_FLOAT),
  ]);
  return concat([Uint8Array.of(5 * 8 + WIRE_LENGTH), varint(attribute.length), attribute]);
}

// Every field of the message at [start, end), checked to lie within it.
function readFields(model: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let pos = start;
  while (pos < end) {
    const key = readVarint(model, pos, end);
    if (key.value > 0xffffffff) throw invalid('a field key is out of range', pos);
    const number = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (number === 0) throw invalid('a field has number 0', pos);
    const lengthStart = key.next;
    let valueStart = key.next;
    let next: number;
    if (wire === WIRE_VARINT) next = readVarint(model, key.next, end).next;
    else if (wire === WIRE_FIXED64) next = key.next + 8;
    else if (wire === WIRE_FIXED32) next = key.next + 4;
    else if (wire === WIRE_LENGTH) {
      const length = readVarint(model, key.next, end);
      valueStart = length.next;
      next = length.next + length.value;
    } else if (wire === 3 || wire === 4) {
      throw invalid(`field ${number} is a group (wire type ${wire}), which ONNX never uses`, pos);
    } else throw invalid(`field ${number} has unknown wire type ${wire}`, pos);
    if (next > end) {
      throw invalid(`field ${number} runs past the end of its message (byte ${end})`, pos);
    }
    fields.push({ number, wire, start: pos, lengthStart, valueStart, end: next });
    pos = next;
  }
  return fields;
}

// A base-128 varint of at most 10 bytes ending before `end`; values beyond 2^53 lose precision,
// which only matters for keys and lengths, and those are bounded by the caller.
function readVarint(
  model: Uint8Array,
  start: number,
  end: number,
): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    const pos = start + i;
    const byte = model[pos];
    if (pos >= end || byte === undefined)
      throw invalid('a varint runs past the end of its message', start);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, next: pos + 1 };
  }
  throw invalid('a varint is longer than 10 bytes', start);
}

function invalid(what: string, at: number): Error {
  return new Error(`invalid ONNX model: ${what} at byte ${at}`);
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
