// oneHot(indices, depth, onValue = 1, offValue = 0): TF.js's tf.oneHot for class labels, one
// kernel (assembly/kernels/one_hot.ts). Two deliberate differences from TF.js:
//   - the result is float32 (TF.js defaults to int32): what the losses take;
//   - an index outside [0, depth) throws an Error naming its position and value, where TF.js
//     gives a row of offValue: for training labels a silent all-off row hides a data bug (a
//     label that does not fit the class count) and trains towards "no class".
import { engine } from '../engine.js';
import { callKernel, allocTensor, type Tensor } from '../tensor.js';
import { assertDtype, assertPositiveInt, fmt } from '../util.js';

/** Status of one_hot_f32 for an index outside [0, depth); it writes [position, value] to err. */
const BAD_INDEX = -2;

/** The multi-index of flat position `flat` in `shape` (row-major). */
function unravel(flat: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    at[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return at;
}

/** float32 [...indices.shape, depth]: onValue at each index, offValue elsewhere. */
export function oneHot(indices: Tensor, depth: number, onValue = 1, offValue = 0): Tensor<'float32'> {
  const op = 'oneHot';
  assertDtype(op, 'indices', indices, 'int32');
  assertPositiveInt(op, 'depth', depth);
  if (typeof onValue !== 'number' || typeof offValue !== 'number') {
    throw new Error(`${op}: onValue and offValue must be numbers, got ${typeof onValue} and ${typeof offValue}`);
  }
  const y = allocTensor(op, [...indices.shape, depth], 'float32');
  let err = 0;
  callKernel(op, [y], (scratch) => {
    err = scratch(8);
    return engine.k.one_hot_f32(y.ptr, indices.ptr, err, indices.size, depth, onValue, offValue);
  }, (status) => {
    if (status !== BAD_INDEX) return undefined;
    const [position, value] = engine.i32(err, 2);
    return `${op}: index ${value} at [${unravel(position, indices.shape)}] of indices ${fmt(indices.shape)} is outside [0, ${depth})`;
  });
  return y;
}
