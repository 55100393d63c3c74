// Element-wise binary ops with NumPy broadcasting: add, sub, mul, div, maximum, minimum.
// JS works out the broadcast shape and each input's element strides in it, merges neighbouring
// dimensions that can be walked as one (so same-shape, scalar and bias-style operands reach the
// kernel's contiguous fast paths as rank 1 or 2), and hands the three small i32 arrays to one
// kernel call through a scratch block released right after it.
import { engine } from '../engine.js';
import { allocTensor, callKernel, Tensor, type DType, type Shape } from '../tensor.js';
import { assertTensor, broadcastShapes, fmt } from '../util.js';
import { isTracked, record } from '../autograd.js';
import { scalar } from './creation.js';

/** Largest rank the kernels accept after merging (assembly/kernels/broadcast.ts). */
const MAX_RANK = 8;

export interface BroadcastPlan {
  /** The broadcast output shape. */
  outShape: number[];
  /** Merged iteration shape (rank ≥ 1) and each input's element strides over it. */
  dims: number[];
  aStrides: number[];
  bStrides: number[];
}

/** Element strides of `shape` inside `outShape` (right-aligned; 0 along broadcast dims). */
function stridesIn(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = shape[i - (rank - shape.length)] ?? 1;
    strides[i] = d === 1 ? 0 : acc;
    acc *= d;
  }
  return strides;
}

/**
 * The broadcast shape of a and b and the kernel's iteration plan: dims of size 1 dropped and
 * a dim merged into its outer neighbour when both inputs step through the pair as through one
 * dim (outer stride = inner stride · inner size; 0 = 0 covers broadcast pairs).
 */
export function broadcastPlan(op: string, aShape: Shape, bShape: Shape): BroadcastPlan {
  const outShape = broadcastShapes(op, aShape, bShape);
  const sa = stridesIn(aShape, outShape), sb = stridesIn(bShape, outShape);
  const dims: number[] = [], aStrides: number[] = [], bStrides: number[] = [];
  outShape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && aStrides[last] === sa[i] * d && bStrides[last] === sb[i] * d) {
      dims[last] *= d;
      aStrides[last] = sa[i];
      bStrides[last] = sb[i];
    } else {
      dims.push(d);
      aStrides.push(sa[i]);
      bStrides.push(sb[i]);
    }
  });
  if (dims.length === 0) dims.push(1), aStrides.push(0), bStrides.push(0);
  return { outShape, dims, aStrides, bStrides };
}

/**
 * The plan as the kernels take it (assembly/kernels/broadcast.ts): [rank, dims, aStrides,
 * bStrides], three i32 arrays written to scratch.
 */
export function broadcastDesc(plan: BroadcastPlan, scratch: (bytes: number) => number): [number, number, number, number] {
  const rank = plan.dims.length;
  const desc = scratch(12 * rank);
  const words = engine.i32(desc, 3 * rank);
  words.set(plan.dims, 0);
  words.set(plan.aStrides, rank);
  words.set(plan.bStrides, 2 * rank);
  return [rank, desc, desc + 4 * rank, desc + 8 * rank];
}

type Kernel = (out: number, a: number, b: number, rank: number, shape: number, aStrides: number,
  bStrides: number) => number;

/** A Tensor, or a number taken as a scalar of the other operand's dtype (as TF.js allows). */
export type Operand = Tensor | number;

function operandDtype(op: string, name: string, x: Operand): DType | null {
  if (typeof x === 'number') return null;
  assertTensor(op, name, x);
  return x.dtype;
}

function binary(op: string, kernelName: string, kernels: Partial<Record<DType, Kernel>>, a: Operand,
    b: Operand): Tensor {
  const da = operandDtype(op, 'a', a), db = operandDtype(op, 'b', b);
  if (da !== null && db !== null && da !== db) {
    throw new Error(`${op}: a and b must have the same dtype, got ${da} ${fmt((a as Tensor).shape)} and ` +
      `${db} ${fmt((b as Tensor).shape)}`);
  }
  const dtype: DType = da ?? db ?? 'float32';
  const kernel = kernels[dtype];
  if (kernel === undefined) throw new Error(`${op}: ${dtype} is not supported (float32 only)`);
  for (const [name, x] of [['a', a], ['b', b]] as const) {
    if (typeof x === 'number' && dtype === 'int32' && !(Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31)) {
      throw new Error(`${op}: '${name}' = ${x} is not an int32 value (the other operand is int32)`);
    }
  }
  const aShape = typeof a === 'number' ? [] : a.shape, bShape = typeof b === 'number' ? [] : b.shape;
  const plan = broadcastPlan(op, aShape, bShape);
  const rank = plan.dims.length;
  if (rank > MAX_RANK) {
    throw new Error(`${op}: broadcasting ${fmt(aShape)} with ${fmt(bShape)} needs ${rank} separate ` +
      `dimensions, at most ${MAX_RANK} are supported`);
  }
  const out = allocTensor(op, plan.outShape, dtype);
  if (out.size === 0) return out;
  callKernel(op, [out], (scratch) => {
    const [r, dims, aStrides, bStrides] = broadcastDesc(plan, scratch);
    // Number operands: their bit patterns in a scratch word each.
    const scalarAt = (x: number): number => {
      const p = scratch(4);
      if (dtype === 'int32') engine.i32(p, 1)[0] = x;
      else engine.f32(p, 1)[0] = x;
      return p;
    };
    const pa = typeof a === 'number' ? scalarAt(a) : a.ptr;
    const pb = typeof b === 'number' ? scalarAt(b) : b.ptr;
    return kernel(out.ptr, pa, pb, r, dims, aStrides, bStrides);
  });
  const tracked = (x: Operand) => typeof x !== 'number' && isTracked(x);
  if (dtype !== 'float32' || !(tracked(a) || tracked(b))) return out;
  // A number operand becomes a scalar tensor for the gradient rule (it needs its value).
  const asTensor = (x: Operand) => (typeof x === 'number' ? scalar(x) : x);
  return record(kernelName, [asTensor(a), asTensor(b)], out);
}

/** a + b, broadcasting (float32 or int32). */
export function add(a: Operand, b: Operand): Tensor {
  const k = engine.k;
  return binary('add', 'Add', { float32: k.add_f32, int32: k.add_i32 }, a, b);
}

/** a - b, broadcasting (float32 or int32). */
export function sub(a: Operand, b: Operand): Tensor {
  const k = engine.k;
  return binary('sub', 'Sub', { float32: k.sub_f32, int32: k.sub_i32 }, a, b);
}

/** a · b, broadcasting (float32 or int32, which wraps around on overflow). */
export function mul(a: Operand, b: Operand): Tensor {
  const k = engine.k;
  return binary('mul', 'Mul', { float32: k.mul_f32, int32: k.mul_i32 }, a, b);
}

/** a / b, broadcasting (float32: x/0 = ±Inf, 0/0 = NaN). */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', 'Div', { float32: engine.k.div_f32 }, a, b);
}

/** The larger of a and b element-wise, broadcasting; NaN if either is NaN. */
export function maximum(a: Operand, b: Operand): Tensor {
  const k = engine.k;
  return binary('maximum', 'Maximum', { float32: k.maximum_f32, int32: k.maximum_i32 }, a, b);
}

/** The smaller of a and b element-wise, broadcasting; NaN if either is NaN. */
export function minimum(a: Operand, b: Operand): Tensor {
  const k = engine.k;
  return binary('minimum', 'Minimum', { float32: k.minimum_f32, int32: k.minimum_i32 }, a, b);
}
