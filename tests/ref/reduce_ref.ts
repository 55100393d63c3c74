// Plain scalar references for the reductions, f64 accumulation.
//   reduce_f32_ref / arg_f32_ref work on the kernels' canonical [outer, reduce, inner] form;
//   reduceAxes_ref reduces any axis set of an n-d array (for the API tests).

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

function fold(op: ReduceOp, values: ArrayLike<number>): number {
  const n = values.length;
  if (op === 'sum' || op === 'mean') {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i];
    return op === 'mean' ? s / n : s;
  }
  let best = op === 'max' ? -Infinity : Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) return NaN; // max/min propagate NaN
    best = op === 'max' ? Math.max(best, v) : Math.min(best, v);
  }
  return best;
}

/** out[o, i] = op over r of x[o, r, i]. */
export function reduce_f32_ref(op: ReduceOp, x: ArrayLike<number>, outer: number, reduce: number,
    inner: number): Float32Array {
  const out = new Float32Array(outer * inner);
  const col = new Float64Array(reduce);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let r = 0; r < reduce; r++) col[r] = x[(o * reduce + r) * inner + i];
      out[o * inner + i] = fold(op, col);
    }
  }
  return out;
}

/** Σx (or Σ|x|: the scale of the sum's error bound) over the reduced axis, unrounded f64. */
export function sum_f64_ref(x: ArrayLike<number>, outer: number, reduce: number, inner: number,
    abs = false): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < reduce; r++) {
      for (let i = 0; i < inner; i++) {
        const v = x[(o * reduce + r) * inner + i];
        out[o * inner + i] += abs ? Math.abs(v) : v;
      }
    }
  }
  return out;
}

/**
 * TensorFlow.js's argMax/argMin scan: best = x[0], index 0; then `if (v > best)` (argmin: `<`).
 * So: the first index of the extreme; a NaN at index 0 is never beaten; other NaNs are skipped.
 * An empty axis gives 0.
 */
export function arg_f32_ref(op: 'max' | 'min', x: ArrayLike<number>, outer: number, reduce: number,
    inner: number): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => x[(o * reduce + r) * inner + i];
      let best = at(0), index = 0;
      for (let r = 1; r < reduce; r++) {
        const v = at(r);
        if (op === 'max' ? v > best : v < best) { best = v; index = r; }
      }
      out[o * inner + i] = index;
    }
  }
  return out;
}

/** op over `axes` of an n-d row-major array; the output keeps the other axes in order. */
export function reduceAxes_ref(op: ReduceOp, x: ArrayLike<number>, shape: readonly number[],
    axes: readonly number[]): Float32Array {
  const rank = shape.length;
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outSize = kept.reduce((p, d) => p * shape[d], 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  const size = shape.reduce((p, d) => p * d, 1);
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let o = 0;
    for (const d of kept) o = o * shape[d] + index[d];
    groups[o].push(x[flat]);
    for (let d = rank - 1; d >= 0; d--) { // row-major increment
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return Float32Array.from(groups, (g) => fold(op, g));
}
