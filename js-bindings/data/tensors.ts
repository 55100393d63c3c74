// Dataset tensors from values parsed in JS: allocated all at once (an out-of-memory Error leaves
// nothing behind), persistent (lp.keep: a dataset outlives any tidy() it was loaded in; dispose
// it yourself), and filled with one TypedArray.set each (no loops over arena memory).
import { engine } from '../engine.js';
import { allocTensor, keep, type DType, type Shape, type Tensor } from '../tensor.js';

export interface TensorSpec {
  shape: Shape;
  dtype: DType;
  /** Fills the new tensor's data (a fresh view over the arena: call set on it, keep nothing). */
  write(view: Float32Array | Int32Array): void;
}

/** One persistent tensor per spec, in order, named `op` in an out-of-memory Error. */
export function datasetTensors(op: string, specs: TensorSpec[]): Tensor[] {
  const made: Tensor[] = [];
  try {
    for (const s of specs) made.push(keep(allocTensor(op, s.shape, s.dtype)));
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
  // Views only now: an allocation may have grown (and detached) memory.buffer.
  made.forEach((t, i) => specs[i].write(t.dtype === 'int32' ? engine.i32(t.ptr, t.size) : engine.f32(t.ptr, t.size)));
  return made;
}

/** The spec of a tensor holding a copy of `values`. */
export function fromValues(shape: Shape, values: Float32Array | Int32Array): TensorSpec {
  return { shape, dtype: values instanceof Int32Array ? 'int32' : 'float32', write: (view) => view.set(values) };
}
