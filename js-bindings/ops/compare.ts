// Comparisons (TF.js names, broadcasting) giving bool tensors, logical ops on them, cast and
// where: what metrics and masks are built from. Not differentiable (TF.js's rules give zeros).
// One kernel call each (assembly/kernels/compare.ts); bool is stored as int32 0/1.
import { engine } from '../engine.js';
import { allocTensor, callKernel, Tensor, tidy, type DType } from '../tensor.js';
import { assertTensor, fmt, shapesEqual } from '../util.js';
import { broadcastDesc, broadcastPlan, mul, type Operand } from './binary.js';
import { clone, scalar } from './creation.js';

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
  const out = allocTensor(op, plan.outShape, 'bool');
  if (out.size === 0) return out;
  const k = engine.k;
  const kernel = da === 'int32' ? k.compare_i32 : k.compare_f32;
  callKernel(op, [out], (scratch) => kernel(out.ptr, ta.ptr, tb.ptr, ...broadcastDesc(plan, scratch), CODES[op]));
  return out;
}

/** a == b element-wise (broadcasting); a bool tensor. */
export const equal = (a: Operand, b: Operand) => compare('equal', a, b);
/** a != b element-wise (broadcasting); a bool tensor. */
export const notEqual = (a: Operand, b: Operand) => compare('notEqual', a, b);
/** a < b element-wise (broadcasting); a bool tensor. */
export const less = (a: Operand, b: Operand) => compare('less', a, b);
/** a <= b element-wise (broadcasting); a bool tensor. */
export const lessEqual = (a: Operand, b: Operand) => compare('lessEqual', a, b);
/** a > b element-wise (broadcasting); a bool tensor. */
export const greater = (a: Operand, b: Operand) => compare('greater', a, b);
/** a >= b element-wise (broadcasting); a bool tensor. */
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

/** x converted to dtype (float → int truncates toward zero; to bool: nonzero → true; bool → numbers: 0/1). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor('cast', 'x', x);
  if (x.dtype === dtype) return clone(x);
  if (dtype === 'bool') return notEqual(x, 0);
  const out = allocTensor('cast', x.shape, dtype);
  const k = engine.k;
  callKernel('cast', [out], () => {
    if (x.dtype === 'float32') return k.cast_f32_i32(out.ptr, x.ptr, x.size);
    if (dtype === 'float32') return k.cast_i32_f32(out.ptr, x.ptr, x.size); // int32 and bool words alike
    return k.copy_bytes(out.ptr, x.ptr, x.byteLength); // bool → int32: the same 0/1 words
  });
  return out;
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
  callKernel(op, [out], () => engine.k.where_f32(out.ptr, condition.ptr, a.ptr, b.ptr, a.size));
  return out;
}
