// Reductions over one contiguous block of axes: sum, mean, max, min, argmax, argmin.
//
//   x:   [O, R, I] f32, row-major        out: [O, I] (f32; i32 indices for argmax/argmin)
//   O outer extent (product of the dims before the reduced block), R the reduced extent,
//   I inner extent (product of the dims after it). js-bindings/ops/reduce.ts merges adjacent
//   dims into this form and reduces a non-contiguous axis set one contiguous run at a time.
//
// Two loop shapes (as XNNPACK's f32-rsum / f32-rdsum families):
//   I == 1: each output reduces R contiguous floats: 4 f32x4 accumulators per trip (16 floats),
//           then single vectors, then a masked over-read tail; lanes are combined at the end.
//   I  > 1: each output row of I floats accumulates R rows of I contiguous floats: strips of 16
//           columns (4 f32x4 accumulators, independent lanes) walk down the R rows, then strips
//           of 4; the last strip's lanes past I are computed from over-read data and not stored.
//
// Accuracy of sum/mean: f32 accumulators never take more than SUM_SPAN terms per lane before
// they are folded into f64 totals (I == 1: the 16 lanes are summed pairwise first). With
// u = 2^-24 the result ŝ of s = Σx satisfies |ŝ - s| <= (SUM_SPAN + 4)·u·Σ|x| + u·|s|
// (≈ 2.2e-6·Σ|x| + 6e-8·|s| for SUM_SPAN = 32), for any R: the f64 totals add only
// O(R/SUM_SPAN · 2^-53) more. mean divides the f64 total by R before rounding once to f32.
//
// Special values: max/min propagate NaN (f32x4.max/min are NaN-propagating; never the relaxed
// variants). argmax/argmin follow TensorFlow.js's sequential scan (`if (v > best)` from best =
// x[0]): the first index of the extreme; a NaN at index 0 sticks (result 0), any other NaN is
// skipped. R == 0: sum 0, mean NaN (0/0), max -Inf, min +Inf, argmax/argmin 0.
//
// Memory contract: x may be read up to 12 bytes past its logical end (arena blocks are padded
// to 16 bytes); out is written exactly O·I elements and never read. out must not alias x.
// Every export returns 0 (no scratch, so no out-of-memory status).

import { hsum4, hmax4, hmin4, hpmax4, storeTail } from "../simd";

// @ts-ignore: decorator
@inline const OP_SUM: i32 = 0;
// @ts-ignore: decorator
@inline const OP_MAX: i32 = 1;
// @ts-ignore: decorator
@inline const OP_MIN: i32 = 2;

/** Terms per f32 lane before the fold into f64 (see the bound above). */
// @ts-ignore: decorator
@inline const SUM_SPAN: i32 = 32;
/** I == 1: bytes per fold: SUM_SPAN floats in each lane of the 4 accumulators. */
// @ts-ignore: decorator
@inline const SUM_BLOCK_BYTES: usize = <usize>SUM_SPAN * 64;

/** Lanes 0..count-1 all ones (count 0..4): masks the over-read lanes of a row's tail. */
// @ts-ignore: decorator
@inline export function laneMask(count: usize): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(<i32>count));
}

// @ts-ignore: decorator
@inline function identity(op: i32): v128 {
  return f32x4.splat(op == OP_MAX ? -Infinity : op == OP_MIN ? Infinity : 0);
}

// @ts-ignore: decorator
@inline function combine(op: i32, a: v128, b: v128, pseudo: bool = false): v128 {
  if (pseudo) return f32x4.pmax(a, b);
  return op == OP_MAX ? f32x4.max(a, b) : op == OP_MIN ? f32x4.min(a, b) : f32x4.add(a, b);
}

/** f64 lanes 0,1 and 2,3 of an f32x4. */
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)); }

/** The f32x4 [lo / d, hi / d] from two f64x2 halves. */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128, d: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.div(lo, d)),
    f32x4.demote_f64x2_zero(f64x2.div(hi, d)), 0, 1, 4, 5);
}

// ---- I == 1: rows of contiguous floats ------------------------------------------------------

/** Σ of `bytes`/4 contiguous floats at x, in f64 (blocked: see the bound in the header). */
export function rowSum(x: usize, bytes: usize): f64 {
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  while (bytes >= 64) {
    const end = x + (min(bytes, SUM_BLOCK_BYTES) & ~(<usize>63));
    bytes -= end - x;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    do {
      a0 = f32x4.add(a0, v128.load(x));
      a1 = f32x4.add(a1, v128.load(x, 16));
      a2 = f32x4.add(a2, v128.load(x, 32));
      a3 = f32x4.add(a3, v128.load(x, 48));
      x += 64;
    } while (x < end);
    total += <f64>hsum4(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  let a = zero;
  for (; bytes >= 16; bytes -= 16, x += 16) a = f32x4.add(a, v128.load(x));
  if (bytes != 0) a = f32x4.add(a, v128.and(v128.load(x), laneMask(bytes >> 2)));
  return total + <f64>hsum4(a);
}

/** max (op = OP_MAX) or min of `bytes`/4 contiguous floats, NaN-propagating; identity if empty.
 *  pseudo (max only): through f32x4.pmax instead, which may drop NaNs (rowPMax). */
// @ts-ignore: decorator
@inline function rowExtreme(x: usize, bytes: usize, op: i32, pseudo: bool = false): f32 {
  const id = identity(op);
  let a0 = id, a1 = id, a2 = id, a3 = id;
  for (; bytes >= 64; bytes -= 64, x += 64) {
    a0 = combine(op, a0, v128.load(x), pseudo);
    a1 = combine(op, a1, v128.load(x, 16), pseudo);
    a2 = combine(op, a2, v128.load(x, 32), pseudo);
    a3 = combine(op, a3, v128.load(x, 48), pseudo);
  }
  for (; bytes >= 16; bytes -= 16, x += 16) a0 = combine(op, a0, v128.load(x), pseudo);
  if (bytes != 0) a1 = combine(op, a1, v128.bitselect(v128.load(x), id, laneMask(bytes >> 2)), pseudo);
  const a = combine(op, combine(op, a0, a1, pseudo), combine(op, a2, a3, pseudo), pseudo);
  return op == OP_MAX ? (pseudo ? hpmax4(a) : hmax4(a)) : hmin4(a);
}

/**
 * The max of n contiguous floats through f32x4.pmax (one instruction; f32x4.max is about eight on
 * x64), which may drop a NaN (-Inf when n == 0 or all are NaN). For softmax and cross-entropy,
 * where that changes nothing: a NaN's exp makes the row's sum NaN, so the row comes out NaN
 * either way, and a max of -Inf gives NaN as a NaN max does (-Inf − -Inf).
 */
export function rowPMax(x: usize, n: i32): f32 {
  return rowExtreme(x, <usize>n << 2, OP_MAX, true);
}

// ---- I > 1: rows of I floats accumulated column-wise -----------------------------------------

/** out[0..16) = Σ over r < R of the 16 floats at x + r·stride, divided by d (1: sum, R: mean). */
function stripSum16(out: usize, x: usize, rows: i32, stride: usize, d: f64): void {
  const zero = f32x4.splat(0);
  let t0 = zero, t1 = zero, t2 = zero, t3 = zero, t4 = zero, t5 = zero, t6 = zero, t7 = zero;
  for (let r = 0; r < rows; ) {
    const span = min(rows - r, SUM_SPAN);
    r += span;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (let i = 0; i < span; i++, x += stride) {
      a0 = f32x4.add(a0, v128.load(x));
      a1 = f32x4.add(a1, v128.load(x, 16));
      a2 = f32x4.add(a2, v128.load(x, 32));
      a3 = f32x4.add(a3, v128.load(x, 48));
    }
    t0 = f64x2.add(t0, lo64(a0)); t1 = f64x2.add(t1, hi64(a0));
    t2 = f64x2.add(t2, lo64(a1)); t3 = f64x2.add(t3, hi64(a1));
    t4 = f64x2.add(t4, lo64(a2)); t5 = f64x2.add(t5, hi64(a2));
    t6 = f64x2.add(t6, lo64(a3)); t7 = f64x2.add(t7, hi64(a3));
  }
  const vd = f64x2.splat(d);
  v128.store(out, narrow(t0, t1, vd));
  v128.store(out, narrow(t2, t3, vd), 16);
  v128.store(out, narrow(t4, t5, vd), 32);
  v128.store(out, narrow(t6, t7, vd), 48);
}

/** As stripSum16 for 4 columns, storing the first `count` (1..4). */
function stripSum4(out: usize, x: usize, rows: i32, stride: usize, d: f64, count: usize): void {
  const zero = f32x4.splat(0);
  let t0 = zero, t1 = zero;
  for (let r = 0; r < rows; ) {
    const span = min(rows - r, SUM_SPAN);
    r += span;
    let a0 = zero, a1 = zero;
    let i = 0;
    for (; i + 1 < span; i += 2, x += stride << 1) { // two rows a trip: two add chains
      a0 = f32x4.add(a0, v128.load(x));
      a1 = f32x4.add(a1, v128.load(x + stride));
    }
    if (i < span) { a0 = f32x4.add(a0, v128.load(x)); x += stride; }
    a0 = f32x4.add(a0, a1);
    t0 = f64x2.add(t0, lo64(a0)); t1 = f64x2.add(t1, hi64(a0));
  }
  const v = narrow(t0, t1, f64x2.splat(d));
  if (count == 4) v128.store(out, v);
  else storeTail(out, v, count);
}

/** max/min down the rows of a 16-column strip. */
// @ts-ignore: decorator
@inline function stripExtreme16(out: usize, x: usize, rows: i32, stride: usize, op: i32): void {
  const id = identity(op);
  let a0 = id, a1 = id, a2 = id, a3 = id;
  for (let r = 0; r < rows; r++, x += stride) {
    a0 = combine(op, a0, v128.load(x));
    a1 = combine(op, a1, v128.load(x, 16));
    a2 = combine(op, a2, v128.load(x, 32));
    a3 = combine(op, a3, v128.load(x, 48));
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
}

/** max/min down the rows of a 4-column strip, storing the first `count` (1..4). */
// @ts-ignore: decorator
@inline function stripExtreme4(out: usize, x: usize, rows: i32, stride: usize, op: i32, count: usize): void {
  const id = identity(op);
  let a0 = id, a1 = id;
  let r = 0;
  for (; r + 1 < rows; r += 2, x += stride << 1) {
    a0 = combine(op, a0, v128.load(x));
    a1 = combine(op, a1, v128.load(x + stride));
  }
  if (r < rows) a0 = combine(op, a0, v128.load(x));
  a0 = combine(op, a0, a1);
  if (count == 4) v128.store(out, a0);
  else storeTail(out, a0, count);
}

// @ts-ignore: decorator
@inline function reduceImpl(out: usize, x: usize, outer: i32, reduce: i32, inner: i32, op: i32, mean: bool): void {
  const rowBytes = <usize>reduce << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++, x += rowBytes, out += 4) {
      let v: f32;
      if (op == OP_SUM) v = <f32>(mean ? rowSum(x, rowBytes) / <f64>reduce : rowSum(x, rowBytes));
      else v = rowExtreme(x, rowBytes, op);
      store<f32>(out, v);
    }
    return;
  }
  const stride = <usize>inner << 2;
  const d: f64 = mean ? <f64>reduce : 1;
  for (let o = 0; o < outer; o++, x += stride * <usize>reduce, out += stride) {
    let c: usize = 0;
    for (; c + 64 <= stride; c += 64) {
      if (op == OP_SUM) stripSum16(out + c, x + c, reduce, stride, d);
      else stripExtreme16(out + c, x + c, reduce, stride, op);
    }
    for (; c < stride; c += 16) {
      const count = min(stride - c, 16) >> 2;
      if (op == OP_SUM) stripSum4(out + c, x + c, reduce, stride, d, count);
      else stripExtreme4(out + c, x + c, reduce, stride, op, count);
    }
  }
}

/** out[o, i] = Σ_r x[o, r, i]. */
export function sum_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  reduceImpl(out, x, outer, reduce, inner, OP_SUM, false);
  return 0;
}

/** out[o, i] = Σ_r x[o, r, i] / R (NaN when R == 0). */
export function mean_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  reduceImpl(out, x, outer, reduce, inner, OP_SUM, true);
  return 0;
}

/** out[o, i] = max_r x[o, r, i], NaN if any is NaN, -Inf when R == 0. */
export function max_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  reduceImpl(out, x, outer, reduce, inner, OP_MAX, false);
  return 0;
}

/** out[o, i] = min_r x[o, r, i], NaN if any is NaN, +Inf when R == 0. */
export function min_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  reduceImpl(out, x, outer, reduce, inner, OP_MIN, false);
  return 0;
}


// ---- argmax / argmin ------------------------------------------------------------------------

/** v beats best: v > best (argmax) or v < best (argmin); false when either is NaN, as the scan. */
// @ts-ignore: decorator
@inline function beats(op: i32, v: v128, best: v128): v128 {
  return op == OP_MAX ? f32x4.gt(v, best) : f32x4.lt(v, best);
}

/** Index of the first max (op = OP_MAX) or min of n contiguous floats, as TF.js's scan. */
// @ts-ignore: decorator
@inline function rowArg(x: usize, n: i32, op: i32): i32 {
  // The scan starts from best = x[0]: a NaN there is never beaten, so the answer is 0.
  if (n == 0 || isNaN(load<f32>(x))) return 0;
  // Each lane starts from ±Inf and moves only on a value that strictly beats every earlier
  // value of that lane, so it holds its first extreme; NaN never moves it. Two sets of lanes
  // (b0/i0, b1/i1) keep two compare-select chains in flight.
  const id = identity(op);
  const four = i32x4.splat(4);
  let b0 = id, b1 = id, i0 = i32x4.splat(0), i1 = i32x4.splat(0);
  let c = i32x4(0, 1, 2, 3); // indices of the lanes at x
  let bytes = <usize>n << 2;
  for (; bytes >= 32; bytes -= 32, x += 32) {
    const v0 = v128.load(x), v1 = v128.load(x, 16);
    const c1 = i32x4.add(c, four);
    const m0 = beats(op, v0, b0), m1 = beats(op, v1, b1);
    b0 = v128.bitselect(v0, b0, m0); i0 = v128.bitselect(c, i0, m0);
    b1 = v128.bitselect(v1, b1, m1); i1 = v128.bitselect(c1, i1, m1);
    c = i32x4.add(c1, four);
  }
  if (bytes >= 16) {
    const v = v128.load(x);
    const m = beats(op, v, b0);
    b0 = v128.bitselect(v, b0, m); i0 = v128.bitselect(c, i0, m);
    c = i32x4.add(c, four);
    bytes -= 16; x += 16;
  }
  if (bytes != 0) { // over-read lanes become ±Inf, which never beat (strict compare)
    const v = v128.bitselect(v128.load(x), id, laneMask(bytes >> 2));
    const m = beats(op, v, b1);
    b1 = v128.bitselect(v, b1, m); i1 = v128.bitselect(c, i1, m);
  }
  // Merge the sets (ties go to the smaller index), then the lanes.
  const take = v128.or(beats(op, b1, b0), v128.and(f32x4.eq(b1, b0), i32x4.lt_s(i1, i0)));
  b0 = v128.bitselect(b1, b0, take); i0 = v128.bitselect(i1, i0, take);
  const best = op == OP_MAX ? hmax4(b0) : hmin4(b0);
  // Every non-NaN value is ±Inf (x[0] among them): the scan never moved off index 0.
  if (best == f32x4.extract_lane(id, 0)) return 0;
  let s = v128.bitselect(i0, i32x4.splat(i32.MAX_VALUE), f32x4.eq(b0, f32x4.splat(best)));
  s = i32x4.min_s(s, i32x4.shuffle(s, s, 2, 3, 0, 1));
  s = i32x4.min_s(s, i32x4.shuffle(s, s, 1, 0, 3, 2));
  return i32x4.extract_lane(s, 0);
}

/** The scan down the rows of a 4-column strip, storing the first `count` (1..4) indices. */
// @ts-ignore: decorator
@inline function stripArg4(out: usize, x: usize, rows: i32, stride: usize, op: i32, count: usize): void {
  let idx = i32x4.splat(0);
  if (rows > 0) {
    const one = i32x4.splat(1);
    let best = v128.load(x); // the scan's start: a NaN here is never beaten
    let c = idx;
    for (let r = 1; r < rows; r++) {
      x += stride;
      c = i32x4.add(c, one);
      const v = v128.load(x);
      const m = beats(op, v, best);
      best = v128.bitselect(v, best, m);
      idx = v128.bitselect(c, idx, m);
    }
  }
  if (count == 4) v128.store(out, idx);
  else storeTail(out, idx, count);
}

// @ts-ignore: decorator
@inline function argImpl(out: usize, x: usize, outer: i32, reduce: i32, inner: i32, op: i32): void {
  const rowBytes = <usize>reduce << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++, x += rowBytes, out += 4) store<i32>(out, rowArg(x, reduce, op));
    return;
  }
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++, x += stride * <usize>reduce, out += stride) {
    for (let c: usize = 0; c < stride; c += 16) {
      stripArg4(out + c, x + c, reduce, stride, op, min(stride - c, 16) >> 2);
    }
  }
}

/** out[o, i] = first r with x[o, r, i] = max_r x[o, r, i] (int32; TF.js's scan, see header). */
export function argmax_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  argImpl(out, x, outer, reduce, inner, OP_MAX);
  return 0;
}

/** out[o, i] = first r with x[o, r, i] = min_r x[o, r, i] (int32; TF.js's scan, see header). */
export function argmin_f32(out: usize, x: usize, outer: i32, reduce: i32, inner: i32): i32 {
  argImpl(out, x, outer, reduce, inner, OP_MIN);
  return 0;
}
