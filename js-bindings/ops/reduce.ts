// Reductions: sum, mean, max, min over any set of axes; argMax, argMin over one axis.
//
// The kernels (assembly/kernels/reduce.ts) reduce one contiguous block of dims, [outer, reduce,
// inner] → [outer, inner]. Here the shape is collapsed to that form: size-1 dims are dropped
// and neighbouring dims that are both kept or both reduced are merged. A non-contiguous axis set
// leaves several reduced runs: they are reduced one run per kernel call (largest run first, so
// the temporaries are as small as possible) into arena scratch, the last one into the output.
// sum/max/min compose exactly that way, and mean too (every group has the same size).
//
// dtypes: float32 only for now (int32 input throws; TF.js would give int32 sums and float32
// means). argMax/argMin return int32 indices, the first extreme, as TF.js's scan (NaN at index 0
// wins, other NaNs are skipped). Empty reduced axes: sum 0, mean NaN, max -Inf, min +Inf,
// argMax/argMin 0.
import { engine } from '../engine.js';
import { allocScratch, allocTensor, Tensor } from '../tensor.js';
import { assertTensor, fmt } from '../util.js';
import { record } from '../autograd.js';

type ReduceKernel = 'sum_f32' | 'mean_f32' | 'max_f32' | 'min_f32';

function assertFloat(op: string, x: unknown): asserts x is Tensor {
  assertTensor(op, 'x', x);
  if (x.dtype !== 'float32') {
    throw new Error(`${op}: only float32 input is supported for now, got ${x.dtype} ${fmt(x.shape)}`);
  }
}

function checkAxis(op: string, a: unknown, shape: readonly number[]): number {
  const rank = shape.length;
  if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank) {
    throw new Error(`${op}: axis ${String(a)} is out of range for shape ${fmt(shape)} ` +
      `(expected an integer in [${-rank}, ${rank}))`);
  }
  return a < 0 ? a + rank : a;
}

/** The reduced axes in [0, rank), sorted, no repeats (undefined/null: every axis). */
export function reduceAxes(op: string, axis: unknown, shape: readonly number[]): number[] {
  if (axis === undefined || axis === null) return shape.map((_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const axes = list.map((a) => checkAxis(op, a, shape));
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length !== axes.length) {
    throw new Error(`${op}: repeated axis in [${list.join(',')}] for shape ${fmt(shape)}`);
  }
  return sorted;
}

interface Run { size: number; reduced: boolean }

/** Merged runs of kept/reduced dims, size-1 dims dropped (they change nothing). */
function collapse(shape: readonly number[], axes: number[]): Run[] {
  const runs: Run[] = [];
  shape.forEach((size, d) => {
    if (size === 1) return;
    const reduced = axes.includes(d);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.reduced === reduced) last.size *= size;
    else runs.push({ size, reduced });
  });
  return runs;
}

function product(runs: Run[]): number {
  return runs.reduce((p, r) => p * r.size, 1);
}

function reduceOp(op: string, kernel: ReduceKernel, x: Tensor, axis: number | number[] | undefined | null,
    keepDims: boolean): Tensor {
  assertFloat(op, x);
  const axes = reduceAxes(op, axis, x.shape);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const out = allocTensor(op, outShape, 'float32');
  const k = engine.k;
  let runs = collapse(x.shape, axes);
  const recorded = () => record(op[0].toUpperCase() + op.slice(1), [x], out, { axes });
  if (!runs.some((r) => r.reduced)) { // nothing to reduce (no axes, or only size-1 axes): a copy
    k.copy_bytes(out.ptr, x.ptr, out.byteLength);
    return recorded();
  }
  const mark = k.arena_mark(); // after out: releasing it frees only the scratch below
  try {
    let src = x.ptr;
    for (;;) {
      // The largest reduced run first.
      let j = -1;
      runs.forEach((r, i) => { if (r.reduced && (j < 0 || r.size > runs[j].size)) j = i; });
      const outer = product(runs.slice(0, j)), inner = product(runs.slice(j + 1));
      const rest = runs.filter((r, i) => i !== j);
      const last = !rest.some((r) => r.reduced);
      const dst = last ? out.ptr : allocScratch(op, 4 * outer * inner);
      engine.check(op, k[kernel](dst, src, outer, runs[j].size, inner));
      if (last) break;
      // The kept runs on either side of j are neighbours now: merge them.
      runs = collapse(rest.map((r) => r.size), rest.flatMap((r, i) => (r.reduced ? [i] : [])));
      src = dst;
    }
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    k.arena_release(mark);
  }
  return recorded();
}

/** Sum over `axis` (default: all axes). */
export function sum(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return reduceOp('sum', 'sum_f32', x, axis, keepDims);
}

/** Mean over `axis` (default: all axes); NaN over an empty axis. */
export function mean(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return reduceOp('mean', 'mean_f32', x, axis, keepDims);
}

/** Maximum over `axis` (default: all axes); NaN if any value is NaN. */
export function max(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return reduceOp('max', 'max_f32', x, axis, keepDims);
}

/** Minimum over `axis` (default: all axes); NaN if any value is NaN. */
export function min(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return reduceOp('min', 'min_f32', x, axis, keepDims);
}

function argOp(op: string, kernel: 'argmax_f32' | 'argmin_f32', x: Tensor, axis: number | number[]): Tensor {
  assertFloat(op, x);
  if (x.rank === 0) throw new Error(`${op}: x must have rank >= 1, got shape ${fmt(x.shape)}`);
  // TF.js accepts a one-element axis list too.
  const a = checkAxis(op, Array.isArray(axis) && axis.length === 1 ? axis[0] : axis, x.shape);
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const out = allocTensor(op, x.shape.filter((_, i) => i !== a), 'int32');
  const status = engine.k[kernel](out.ptr, x.ptr, outer, x.shape[a], inner);
  if (status !== 0) {
    out.dispose();
    engine.check(op, status);
  }
  return out;
}

/** Index (int32) of the first maximum along `axis`. */
export function argMax(x: Tensor, axis: number = 0): Tensor {
  return argOp('argMax', 'argmax_f32', x, axis);
}

/** Index (int32) of the first minimum along `axis`. */
export function argMin(x: Tensor, axis: number = 0): Tensor {
  return argOp('argMin', 'argmin_f32', x, axis);
}
