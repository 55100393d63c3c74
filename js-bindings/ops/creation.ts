// Creation ops: tensor, scalar, zeros, ones, fill, zerosLike, onesLike, randomUniform,
// randomNormal, truncatedNormal, clone, reshape. Values are copied into the arena once.
import { engine } from '../engine.js';
import { allocTensor, sizeFromShape, Tensor, type DType, type Shape } from '../tensor.js';
import { assertTensor, fmt } from '../util.js';
import { record } from '../autograd.js';

type NestedNumbers = number | boolean | NestedNumbers[];
/** Values a tensor can be made from: a number, a (nested) array of numbers or booleans, or a typed array. */
export type TensorLike = NestedNumbers | Float32Array | Int32Array | Uint8Array | number[];

function inferShape(values: NestedNumbers): number[] {
  const shape: number[] = [];
  let v: NestedNumbers = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** Appends the values of a nested array to `out`, checking that every level matches `shape`. */
function flattenNested(v: NestedNumbers, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof v === 'number' || typeof v === 'boolean') {
      out.push(Number(v));
      return;
    }
    if (!Array.isArray(v)) throw new Error(`tensor: values must be numbers, got ${typeof v}`);
  }
  if (!Array.isArray(v) || v.length !== shape[dim]) {
    const found = !Array.isArray(v) ? 'a number' : dim === shape.length ? 'an array' : `${v.length} elements`;
    throw new Error(`tensor: ragged nested array: expected shape ${fmt(shape)}, found ${found} at depth ${dim}`);
  }
  for (const x of v) flattenNested(x, shape, dim + 1, out);
}

function assertDtypeName(op: string, dtype: string): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new Error(`${op}: dtype must be 'float32' or 'int32', got '${dtype}'`);
  }
}

/** A tensor holding a copy of `values` (typed array, flat or nested array, or a number). */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DType): Tensor {
  const d: string = dtype ?? (values instanceof Int32Array ? 'int32' : 'float32');
  if (d !== 'bool') assertDtypeName('tensor', d);
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(values)) {
    flat = values as ArrayLike<number>;
  } else if (Array.isArray(values)) {
    const inferred = inferShape(values);
    const nested: number[] = [];
    flattenNested(values, inferred, 0, nested);
    flat = nested;
    shape ??= inferred;
  } else if (typeof values === 'number' || typeof values === 'boolean') {
    flat = [Number(values)];
    shape ??= [];
  } else {
    throw new Error(`tensor: values must be a number, an array or a typed array, got ${typeof values}`);
  }
  const s = shape ?? [flat.length];
  if (sizeFromShape(s) !== flat.length) {
    throw new Error(`tensor: shape ${fmt(s)} needs ${sizeFromShape(s)} values, got ${flat.length}`);
  }
  const t = allocTensor('tensor', s, d as DType);
  if (d === 'bool') {
    // Masks: any non-zero (or true) value is stored as 1, as TF.js does.
    const out = engine.i32(t.ptr, t.size);
    for (let i = 0; i < flat.length; i++) out[i] = flat[i] ? 1 : 0;
  } else {
    (d === 'int32' ? engine.i32(t.ptr, t.size) : engine.f32(t.ptr, t.size)).set(flat);
  }
  return t;
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

function bitsOf(value: number, dtype: DType): number {
  if (dtype === 'int32') return value | 0;
  return new Uint32Array(new Float32Array([value]).buffer)[0];
}

function fillOp(op: string, shape: Shape, value: number, dtype: DType): Tensor {
  assertDtypeName(op, dtype);
  const t = allocTensor(op, shape, dtype);
  engine.k.fill_32(t.ptr, t.size, bitsOf(value, dtype));
  return t;
}

/** A tensor of `shape` with every element `value`. */
export function fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
  return fillOp('fill', shape, value, dtype);
}

/** A tensor of `shape` filled with 0. */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return fillOp('zeros', shape, 0, dtype);
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return fillOp('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `x`. */
export function zerosLike(x: Tensor): Tensor {
  assertTensor('zerosLike', 'x', x);
  return fillOp('zerosLike', x.shape, 0, x.dtype);
}

/** Ones with the shape and dtype of `x`. */
export function onesLike(x: Tensor): Tensor {
  assertTensor('onesLike', 'x', x);
  return fillOp('onesLike', x.shape, 1, x.dtype);
}

let autoSeed = 0x2545F491;
/** The kernel's u32 seed (the next automatic one when undefined); validated before any allocation. */
export function seedOf(op: string, seed: number | undefined): number {
  if (seed === undefined) {
    autoSeed = (Math.imul(autoSeed, 1664525) + 1013904223) >>> 0;
    return autoSeed;
  }
  if (!Number.isFinite(seed)) throw new Error(`${op}: seed must be a finite number, got ${seed}`);
  return Math.floor(seed) >>> 0;
}

/** Uniform values in [minval, maxval) (float32). The same seed gives the same values in every runtime; without one, the engine's fixed sequence of seeds is used. */
export function randomUniform(shape: Shape, minval = 0, maxval = 1, dtype: DType = 'float32',
    seed?: number): Tensor {
  if (dtype !== 'float32') throw new Error(`randomUniform: only float32 is supported, got ${dtype}`);
  if (!(minval < maxval)) throw new Error(`randomUniform: need minval < maxval, got ${minval}, ${maxval}`);
  const s = seedOf('randomUniform', seed);
  const t = allocTensor('randomUniform', shape, 'float32');
  engine.k.random_uniform_f32(t.ptr, t.size, s, minval, maxval);
  return t;
}

function normal(op: string, shape: Shape, mean: number, stdDev: number, dtype: DType,
    seed: number | undefined, truncated: boolean): Tensor {
  if (dtype !== 'float32') throw new Error(`${op}: only float32 is supported, got ${dtype}`);
  if (!(stdDev >= 0)) throw new Error(`${op}: stdDev must be >= 0, got ${stdDev}`);
  const s = seedOf(op, seed);
  const t = allocTensor(op, shape, 'float32');
  engine.k.random_normal_f32(t.ptr, t.size, s, mean, stdDev, truncated);
  return t;
}

/** Normally distributed values (float32), seeded as in {@link randomUniform}. */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, dtype: DType = 'float32',
    seed?: number): Tensor {
  return normal('randomNormal', shape, mean, stdDev, dtype, seed, false);
}

/** Normal values redrawn when more than two standard deviations from the mean (float32), seeded as in {@link randomUniform}. */
export function truncatedNormal(shape: Shape, mean = 0, stdDev = 1, dtype: DType = 'float32',
    seed?: number): Tensor {
  return normal('truncatedNormal', shape, mean, stdDev, dtype, seed, true);
}

/** A copy of `x` in a new block (differentiable: the identity). */
export function clone(x: Tensor): Tensor {
  assertTensor('clone', 'x', x);
  const y = allocTensor('clone', x.shape, x.dtype);
  engine.k.copy_bytes(y.ptr, x.ptr, x.byteLength);
  return record('Identity', [x], y);
}

/** A copy of x with a new shape of the same size; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor('reshape', 'x', x);
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  if (inferred > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: invalid shape ${fmt(shape)}`);
  }
  const knownSize = sizeFromShape(known);
  const s = inferred === 1 ? shape.map((d) => (d === -1 ? x.size / knownSize : d)) : [...shape];
  if (sizeFromShape(s) !== x.size || s.some((d) => !Number.isInteger(d))) {
    throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} values) into ${fmt(shape)}`);
  }
  const y = allocTensor('reshape', s, x.dtype);
  engine.k.copy_bytes(y.ptr, x.ptr, x.byteLength);
  return record('Reshape', [x], y);
}
