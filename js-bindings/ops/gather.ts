// gather(x, indices, axis = 0, batchDims = 0), TF.js semantics: slices of x along axis picked by
// int32 indices; embedding lookup is gather(table [V, D], ids [...]) → [..., D]. Every index is
// checked in the kernel (assembly/kernels/gather.ts) before anything is written: one out of
// range throws an Error naming it, and the output block is freed.
import { engine } from '../engine.js';
import { allocTensor, callKernel, type Tensor } from '../tensor.js';
import { assertDtype, fmt } from '../util.js';
import { product } from './strided.js';
import { record } from '../autograd.js';

/** Status of gather_x32 for an index outside [0, n); it writes [position, value] to err. */
const BAD_INDEX = -2;

/** Slices of `x` along `axis` at the int32 `indices` (TF.js's tf.gather); an index out of range is an Error. */
export function gather(x: Tensor, indices: Tensor, axis = 0, batchDims = 0): Tensor {
  const op = 'gather';
  assertDtype(op, 'x', x, 'float32', 'int32');
  assertDtype(op, 'indices', indices, 'int32');
  if (x.rank === 0) throw new Error('gather: x must have rank >= 1, got a scalar');
  if (!Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
    throw new Error(`gather: axis ${axis} is out of range for x ${fmt(x.shape)}`);
  }
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(batchDims) || batchDims < -indices.rank || batchDims > indices.rank) {
    throw new Error(`gather: batchDims ${batchDims} is out of range for indices ${fmt(indices.shape)}`);
  }
  const bd = batchDims < 0 ? batchDims + indices.rank : batchDims;
  if (bd > ax) throw new Error(`gather: batchDims (${bd}) must be <= axis (${ax})`);
  for (let i = 0; i < bd; i++) {
    if (x.shape[i] !== indices.shape[i]) {
      throw new Error(`gather: x ${fmt(x.shape)} and indices ${fmt(indices.shape)} differ in batch dim ${i}`);
    }
  }
  const shape = [...x.shape.slice(0, ax), ...indices.shape.slice(bd), ...x.shape.slice(ax + 1)];
  const batch = product(x.shape.slice(0, bd));
  const outer = product(x.shape.slice(bd, ax));
  const n = x.shape[ax];
  const m = product(indices.shape.slice(bd));
  const inner = product(x.shape.slice(ax + 1));

  let err = 0;
  const y = allocTensor(op, shape, x.dtype);
  callKernel(op, [y], (scratch) => {
    err = scratch(8);
    return engine.k.gather_x32(y.ptr, x.ptr, indices.ptr, err, batch, outer, n, m, inner);
  }, (status) => {
    if (status !== BAD_INDEX) return undefined;
    const [position, value] = engine.i32(err, 2);
    return `gather: index ${value} is out of range [0, ${n}) (indices ${fmt(indices.shape)} at flat ` +
      `position ${position}, x ${fmt(x.shape)}, axis ${ax})`;
  });
  return record('Gather', [x], y, { batch, outer, n, m, inner }, [indices]);
}
