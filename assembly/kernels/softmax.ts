// Softmax and log-softmax over one axis.
//
//   x, out: [O, N, I] f32, row-major; the axis is N. O outer extent (product of the dims before
//   the axis), I inner extent (product of the dims after it; 1 for the last axis).
//   softmax:     out = exp(x - m) / Σ exp(x - m)          m = max over the axis
//   log-softmax: out = (x - m) - log Σ exp(x - m)
// Subtracting the max keeps every exp argument <= 0, so nothing overflows: logits of ±1e30 or
// ±88 work. Special values follow from that arithmetic, and match TensorFlow.js (wasm backend):
//   a NaN anywhere in a softmax row makes the whole row NaN (m or Σ is NaN);
//   +Inf in a row: m = +Inf, Inf - Inf = NaN, so the whole row is NaN;
//   -Inf entries give 0 (log-softmax: -Inf), unless every entry is -Inf: -Inf - -Inf = NaN, so
//   the row is NaN.
//
// Loop shapes: I == 1 (softmax over the last axis, the common case): three passes over each
// contiguous row, f32x4 along the row (max; exp + store + sum; scale), tails from a masked
// over-read vector. I > 1: strips of 4 columns walk the N rows with independent lanes.
// Σ is accumulated in f32 for at most SUM_ROWS terms per lane, then folded into f64.
//
// Memory contract: reads x up to 12 bytes past its end (arena padding); I > 1 also reads back
// out (up to 12 bytes past its end, never written). out may equal x (in place); no other overlap.
// Returns 0 (no scratch).
//
// Sources: XNNPACK's f32-raddstoreexpminusmax + f32-vscale softmax (the exp below is its rr2_p5
// scheme: magic-bias rounding, two-constant Cody-Waite reduction, degree-5 polynomial).

import { madd4, hsum4, storeTail } from "../simd";
import { laneMask, rowPMax } from "./reduce";
import { expNonPos4 } from "../approx";

// @ts-ignore: decorator
@inline const SUM_ROWS: i32 = 32;

// ---- I == 1: contiguous rows ----------------------------------------------------------------

/** Σ exp(x - m) over `bytes`/4 floats, in f64; writes each exp to out when `keep`. */
// @ts-ignore: decorator
@inline function rowExpSum(out: usize, x: usize, bytes: usize, m: f32, keep: bool): f64 {
  const vm = f32x4.splat(m);
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  while (bytes >= 32) {
    const end = x + (min(bytes, <usize>SUM_ROWS * 32) & ~(<usize>31));
    bytes -= end - x;
    let a0 = zero, a1 = zero;
    do {
      const e0 = expNonPos4(f32x4.sub(v128.load(x), vm));
      const e1 = expNonPos4(f32x4.sub(v128.load(x, 16), vm));
      if (keep) { v128.store(out, e0); v128.store(out, e1, 16); }
      a0 = f32x4.add(a0, e0);
      a1 = f32x4.add(a1, e1);
      x += 32; out += 32;
    } while (x < end);
    total += <f64>hsum4(f32x4.add(a0, a1));
  }
  let a = zero;
  if (bytes >= 16) {
    const e = expNonPos4(f32x4.sub(v128.load(x), vm));
    if (keep) v128.store(out, e);
    a = e;
    bytes -= 16; x += 16; out += 16;
  }
  if (bytes != 0) { // over-read lanes are computed, then masked out of the sum and not stored
    const e = expNonPos4(f32x4.sub(v128.load(x), vm));
    if (keep) storeTail(out, e, bytes >> 2);
    a = f32x4.add(a, v128.and(e, laneMask(bytes >> 2)));
  }
  return total + <f64>hsum4(a);
}

/** out[i] *= s for `bytes`/4 floats (scalar tail: out is not read past its end here). */
function scaleRow(out: usize, bytes: usize, s: f32): void {
  const vs = f32x4.splat(s);
  for (; bytes >= 16; bytes -= 16, out += 16) v128.store(out, f32x4.mul(v128.load(out), vs));
  for (; bytes != 0; bytes -= 4, out += 4) store<f32>(out, load<f32>(out) * s);
}

/** out[i] = (x[i] - m) - lse for `bytes`/4 floats; two roundings, so |m| >> lse loses nothing. */
function shiftRow(out: usize, x: usize, bytes: usize, m: f32, lse: f32): void {
  const vm = f32x4.splat(m), vl = f32x4.splat(lse);
  for (; bytes >= 16; bytes -= 16, x += 16, out += 16) {
    v128.store(out, f32x4.sub(f32x4.sub(v128.load(x), vm), vl));
  }
  if (bytes != 0) storeTail(out, f32x4.sub(f32x4.sub(v128.load(x), vm), vl), bytes >> 2);
}

// ---- I > 1: strips of 4 columns -------------------------------------------------------------

/** One 4-column strip of one [N, I] plane; `count` (1..4) columns are stored. */
// @ts-ignore: decorator
@inline function softmaxStrip(out: usize, x: usize, n: i32, stride: usize, count: usize, log: bool): void {
  const zero = f32x4.splat(0);
  let m = f32x4.splat(-Infinity);
  let p = x;
  // pmax: a NaN it drops still makes its column's sum NaN (reduce.ts rowPMax)
  for (let r = 0; r < n; r++, p += stride) m = f32x4.pmax(m, v128.load(p));
  let t0 = zero, t1 = zero; // f64x2 totals of lanes 0,1 and 2,3
  p = x;
  let q = out;
  for (let r = 0; r < n; ) {
    const span = min(n - r, SUM_ROWS);
    r += span;
    let a = zero;
    for (let i = 0; i < span; i++, p += stride, q += stride) {
      const e = expNonPos4(f32x4.sub(v128.load(p), m));
      if (!log) {
        if (count == 4) v128.store(q, e);
        else storeTail(q, e, count);
      }
      a = f32x4.add(a, e);
    }
    t0 = f64x2.add(t0, f64x2.promote_low_f32x4(a));
    t1 = f64x2.add(t1, f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 2, 3)));
  }
  let s: v128; // 1/Σ (softmax) or log Σ (log-softmax), per column
  if (log) {
    s = f32x4.splat(<f32>Math.log(f64x2.extract_lane(t0, 0)));
    s = f32x4.replace_lane(s, 1, <f32>Math.log(f64x2.extract_lane(t0, 1)));
    s = f32x4.replace_lane(s, 2, <f32>Math.log(f64x2.extract_lane(t1, 0)));
    s = f32x4.replace_lane(s, 3, <f32>Math.log(f64x2.extract_lane(t1, 1)));
  } else {
    const one = f64x2.splat(1);
    s = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.div(one, t0)),
      f32x4.demote_f64x2_zero(f64x2.div(one, t1)), 0, 1, 4, 5);
  }
  p = x;
  q = out;
  for (let r = 0; r < n; r++, p += stride, q += stride) {
    const v = log ? f32x4.sub(f32x4.sub(v128.load(p), m), s) : f32x4.mul(v128.load(q), s);
    if (count == 4) v128.store(q, v);
    else storeTail(q, v, count);
  }
}

// @ts-ignore: decorator
@inline function softmaxImpl(out: usize, x: usize, outer: i32, n: i32, inner: i32, log: bool): void {
  const rowBytes = <usize>n << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++, x += rowBytes, out += rowBytes) {
      const m = rowPMax(x, n);
      const sum = rowExpSum(out, x, rowBytes, m, !log);
      if (log) shiftRow(out, x, rowBytes, m, <f32>Math.log(sum));
      else scaleRow(out, rowBytes, <f32>(1 / sum));
    }
    return;
  }
  const stride = <usize>inner << 2;
  const plane = stride * <usize>n;
  for (let o = 0; o < outer; o++, x += plane, out += plane) {
    for (let c: usize = 0; c < stride; c += 16) {
      softmaxStrip(out + c, x + c, n, stride, min(stride - c, 16) >> 2, log);
    }
  }
}

/** out = softmax of x along the N axis of [O, N, I]. */
export function softmax_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): i32 {
  softmaxImpl(out, x, outer, n, inner, false);
  return 0;
}

/** out = log-softmax of x along the N axis of [O, N, I]. */
export function log_softmax_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): i32 {
  softmaxImpl(out, x, outer, n, inner, true);
  return 0;
}
