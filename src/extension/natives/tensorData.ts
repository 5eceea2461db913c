// A float tensor's values as float32, whichever way onnxruntime-node hands them over: float32 as
// Float32Array; float16 as Uint16Array bit patterns where there is no Float16Array (Node 20, and
// every process that loaded onnxruntime through natives.ts), else as a Float16Array.
import type * as Ort from 'onnxruntime-node';

import { fromFloat16Array } from '../../shared/float16';

/** The values of a float32 or float16 tensor as float32; null for any other type. */
export function floatTensorValues(tensor: Ort.Tensor): Float32Array | null {
  const { data } = tensor;
  if (tensor.type === 'float32' && data instanceof Float32Array) return data;
  if (tensor.type === 'float16') {
    if (data instanceof Uint16Array) return fromFloat16Array(data);
    if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
      return Float32Array.from(data as ArrayLike<number>);
    }
  }
  return null;
}
