// The protobuf wire format, written by hand: enough of it to serialise ONNX models (varints,
// length-delimited fields, repeated fields). A few dozen lines spare the project a
// protobuf dependency and a generated-code step, and the fixtures stay byte-for-byte
// reproducible because nothing here depends on map order or a library version.
// Reference: https://protobuf.dev/programming-guides/encoding/

/** Protobuf wire types used by ONNX. */
export const WIRE = { varint: 0, lengthDelimited: 2, fixed32: 5 } as const;

/** A protobuf wire type. */
export type WireType = (typeof WIRE)[keyof typeof WIRE];

const encoder = new TextEncoder();

/**
 * A base-128 varint. int64 fields take negative values as their 64-bit two's complement (ten
 * bytes), which is what protoc does for `int64 = -1`.
 */
export function varint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`varint needs an integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/** Concatenates byte chunks. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A field key: field number and wire type packed into one varint. */
export function key(field: number, wire: WireType): Uint8Array {
  return varint(field * 8 + wire);
}

/** An integer field (int32, int64, enum, bool as 0/1). */
export function intField(field: number, value: number | bigint): Uint8Array {
  return concat([key(field, WIRE.varint), varint(value)]);
}

/** A length-delimited field holding raw bytes or an embedded message. */
export function bytesField(field: number, value: Uint8Array): Uint8Array {
  return concat([key(field, WIRE.lengthDelimited), varint(value.length), value]);
}

/** A UTF-8 string field. */
export function stringField(field: number, value: string): Uint8Array {
  return bytesField(field, encoder.encode(value));
}

/** A float field: fixed32, little-endian IEEE 754 single precision. */
export function floatField(field: number, value: number): Uint8Array {
  return concat([key(field, WIRE.fixed32), float32Bytes([value])]);
}

/**
 * A repeated int64/int32 field, one key per element: onnx.proto is proto2, where repeated scalars
 * are unpacked unless marked, and this is what protoc and the onnx Python package write.
 */
export function repeatedInts(field: number, values: readonly (number | bigint)[]): Uint8Array {
  return concat(values.map((v) => intField(field, v)));
}

/** A repeated string field, one key per element. */
export function repeatedStrings(field: number, values: readonly string[]): Uint8Array {
  return concat(values.map((v) => stringField(field, v)));
}

/** Embedded messages of a repeated message field, one key per element. */
export function repeatedMessages(field: number, messages: readonly Uint8Array[]): Uint8Array {
  return concat(messages.map((m) => bytesField(field, m)));
}

/** Values as little-endian float32, the layout of ONNX raw_data and of fixed32 fields. */
export function float32Bytes(values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return new Uint8Array(view.buffer);
}
