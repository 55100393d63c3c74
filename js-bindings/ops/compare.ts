// Comparisons (TF.js names, broadcasting) giving bool tensors, logical ops on them, cast and
// where: what metrics and masks are built from. Not differentiable (TF.js's rules give zeros).
// One kernel call each (assembly/kernels/compare.ts); bool is stored as int32 0/1.
import { engine } from '../engine.js';
import { allocScratch, allocTensor, Tensor, tidy, type DType } from '../tensor.js';
import { assertTensor, fmt, shapesEqual } from '../util.js';
import { broadcastPlan, mul, type Operand } from './binary.js';
import { scalar } from './creation.js';

const CODES = { equal: 0, notEqual: 1, less: 2, lessEqual: 3, greater: 4, greaterEqual: 5 } as const;
type CompareName = keyof typeof CODES;

function operand(op: string, name: string, x: Operand, like: DType): Tensor {
  if (typeof x === 'number') return scalar(x, like === 'int32' ? 'int32' : 'float32');
  assertTensor(op, name, x);
  return x;
}

function compare(op: CompareName, a: Operand, b: Operand): Tensor {
  const like = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  // Number operands become scalars that live only for this call.
  return tidy(() => compareTensors(op, operand(op, 'a', a, like), operand(op, 'b', b, like)));
}

function compareTensors(op: CompareName, ta: Tensor, tb: Tensor): Tensor {
  const da = ta.dtype === 'bool' ? 'int32' : ta.dtype, db = tb.dtype === 'bool' ? 'int32' : tb.dtype;
  if (da !== db) throw new Error(`${op}: a and b must have the same dtype, got ${ta.dtype} ${fmt(ta.shape)} and ${tb.dtype} ${fmt(tb.shape)}`);
  const plan = broadcastPlan(op, ta.shape, tb.shape);
  const rank = plan.dims.length;
  const out = allocTensor(op, plan.outShape, 'bool');
  if (out.size === 0) return out;
  const k = engine.k;
  const mark = k.arena_mark();
  let status: number;
  try {
    const desc = allocScratch(op, 12 * rank);
    const words = engine.i32(desc, 3 * rank);
    words.set(plan.dims, 0);
    words.set(plan.aStrides, rank);
    words.set(plan.bStrides, 2 * rank);
    const kernel = da === 'int32' ? k.compare_i32 : k.compare_f32;
    status = kernel(out.ptr, ta.ptr, tb.ptr, rank, desc, desc + 4 * rank, desc + 8 * rank, CODES[op]);
  } finally {
    k.arena_release(mark);
  }
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return out;
}

export const equal = (a: Operand, b: Operand) => compare('equal', a, b);
export const notEqual = (a: Operand, b: Operand) => compare('notEqual', a, b);
export const less = (a: Operand, b: Operand) => compare('less', a, b);
export const lessEqual = (a: Operand, b: Operand) => compare('lessEqual', a, b);
export const greater = (a: Operand, b: Operand) => compare('greater', a, b);
export const greaterEqual = (a: Operand, b: Operand) => compare('greaterEqual', a, b);

/** a AND b for bool tensors (broadcasting). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    assertTensor('logicalAnd', name, t);
    if (t.dtype !== 'bool') throw new Error(`logicalAnd: '${name}' must be bool, got ${t.dtype}`);
  }
  // On 0/1 words AND is the product.
  return tidy(() => cast(mul(cast(a, 'int32'), cast(b, 'int32')), 'bool'));
}

/** x converted to dtype (float → int truncates toward zero; bool ↔ numbers as 0/1, nonzero → true). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor('cast', 'x', x);
  if (x.dtype === dtype) return x;
  const out = allocTensor('cast', x.shape, dtype);
  const k = engine.k;
  let status = 0;
  if (x.dtype === 'float32') {
    status = dtype === 'int32' ? k.cast_f32_i32(out.ptr, x.ptr, x.size) : compareInto(out, x, 'float32');
  } else if (dtype === 'float32') {
    status = k.cast_i32_f32(out.ptr, x.ptr, x.size); // int32 and bool words alike
  } else if (dtype === 'int32') {
    k.copy_bytes(out.ptr, x.ptr, x.byteLength); // bool → int32: the same 0/1 words
  } else {
    status = compareInto(out, x, 'int32');
  }
  if (status !== 0) {
    out.dispose();
    engine.check('cast', status);
  }
  return out;
}

/** out (bool) = x != 0, for casts to bool. */
function compareInto(out: Tensor, x: Tensor, dtype: 'float32' | 'int32'): number {
  const zero = scalar(0, dtype);
  const k = engine.k;
  const mark = k.arena_mark();
  try {
    const desc = allocScratch('cast', 12);
    engine.i32(desc, 3).set([x.size, 1, 0]);
    return (dtype === 'int32' ? k.compare_i32 : k.compare_f32)(out.ptr, x.ptr, zero.ptr, 1, desc, desc + 4, desc + 8, CODES.notEqual);
  } finally {
    k.arena_release(mark);
    zero.dispose();
  }
}

/** condition ? a : b element-wise (same shapes; condition bool). */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  const op = 'where';
  assertTensor(op, 'condition', condition);
  assertTensor(op, 'a', a);
  assertTensor(op, 'b', b);
  if (condition.dtype !== 'bool') throw new Error(`${op}: condition must be bool, got ${condition.dtype}`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${op}: a and b must be float32, got ${a.dtype} and ${b.dtype}`);
  if (!shapesEqual(condition.shape, a.shape) || !shapesEqual(a.shape, b.shape)) {
    throw new Error(`${op}: condition ${fmt(condition.shape)}, a ${fmt(a.shape)} and b ${fmt(b.shape)} must have the same shape`);
  }
  const out = allocTensor(op, a.shape, 'float32');
  const status = engine.k.where_f32(out.ptr, condition.ptr, a.ptr, b.ptr, a.size);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return out;
}
