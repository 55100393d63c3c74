// Global pooling over time with an optional mask (Keras's GlobalAveragePooling1D and
// GlobalMaxPooling1D on sequences whose padded steps an Embedding(maskZero) or the caller marked).
//
//   B batch, T time steps, C channels
//   x    [B, T, C] f32, row-major
//   mask [B, T] int32, nonzero = a real step; mask = 0 (null pointer): every step is real
//   out  [B, C] f32
//
//   global_avgpool_time_f32: out[b, c] = (Σ_{t real} x[b, t, c]) / #real(b); 0 when #real(b) = 0
//   global_maxpool_time_f32: out[b, c] = max_{t real} x[b, t, c], and argmax[b, c] = that t
//       (int32 [B, C], saved for the backward pass: ../autograd/pool_time_grad.ts). Ties go to
//       the first step; a NaN wins and stays (the first NaN's step), as max pooling propagates
//       NaN. Rows with no real step give out 0 and argmax -1 (no gradient flows there).
//
// Row-wise: the output row of a batch item is the accumulator, and each real step's row of x is
// streamed into it (4 floats per v128, a lane tail for C % 4), so x is read once, in order; the
// sum runs over t in order (deterministic, the same in both builds). Memory contract: 4-byte
// alignment suffices; reads nothing past a row of x (lane loads for the tail); writes exactly
// out's (and argmax's) B·C elements; out must not overlap x or mask.

import { STATUS_OK } from "./gemm";
import { loadTail, storeTail } from "../simd";

/** Number of nonzero int32 among the `t` at p (t when p is 0). */
// @ts-ignore: decorator
@inline export function countReal(mask: usize, t: i32): i32 {
  if (mask == 0) return t;
  let n = 0;
  for (let i = 0; i < t; i++) n += i32(load<i32>(mask + (<usize>i << 2)) != 0);
  return n;
}

/** Whether step i of the mask row at p is real (every step is when p is 0). */
// @ts-ignore: decorator
@inline export function isReal(mask: usize, i: i32): bool {
  return mask == 0 || load<i32>(mask + (<usize>i << 2)) != 0;
}

/** dst[0 .. n) op= src[0 .. n) for n floats: op is add (sum) or the identity (copy). */
// @ts-ignore: decorator
@inline function rowAccumulate(add: bool, dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const v = v128.load(src + off);
    v128.store(dst + off, add ? f32x4.add(v128.load(dst + off), v) : v);
  }
  const rest = <usize>(n - i);
  if (rest != 0) {
    const off = <usize>i << 2;
    const v = loadTail(src + off, rest);
    storeTail(dst + off, add ? f32x4.add(loadTail(dst + off, rest), v) : v, rest);
  }
}

/** dst[0 .. n) = v[0 .. n) / divisor (the reference's division, not a reciprocal). */
// @ts-ignore: decorator
@inline export function rowDivide(dst: usize, src: usize, n: i32, divisor: f32): void {
  const d = f32x4.splat(divisor);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dst + off, f32x4.div(v128.load(src + off), d));
  }
  const rest = <usize>(n - i);
  if (rest != 0) {
    const off = <usize>i << 2;
    storeTail(dst + off, f32x4.div(loadTail(src + off, rest), d), rest);
  }
}

export function global_avgpool_time_f32(out: usize, x: usize, mask: usize, b: i32, t: i32, c: i32): i32 {
  if (b <= 0 || c <= 0) return STATUS_OK;
  const rowBytes = <usize>c << 2;
  const stepMaskBytes = <usize>max(t, 0) << 2;
  for (let i = 0; i < b; i++) {
    const o = out + <usize>i * rowBytes;
    const xb = x + <usize>i * <usize>max(t, 0) * rowBytes;
    const mb: usize = mask == 0 ? 0 : mask + <usize>i * stepMaskBytes;
    memory.fill(o, 0, rowBytes);
    let count = 0;
    for (let s = 0; s < t; s++) {
      if (!isReal(mb, s)) continue;
      rowAccumulate(true, o, xb + <usize>s * rowBytes, c);
      count++;
    }
    if (count > 1) rowDivide(o, o, c, <f32>count);
  }
  return STATUS_OK;
}

export function global_maxpool_time_f32(out: usize, argmax: usize, x: usize, mask: usize, b: i32, t: i32,
    c: i32): i32 {
  if (b <= 0 || c <= 0) return STATUS_OK;
  const rowBytes = <usize>c << 2;
  const stepMaskBytes = <usize>max(t, 0) << 2;
  for (let i = 0; i < b; i++) {
    const o = out + <usize>i * rowBytes;
    const a = argmax + <usize>i * rowBytes;
    const xb = x + <usize>i * <usize>max(t, 0) * rowBytes;
    const mb: usize = mask == 0 ? 0 : mask + <usize>i * stepMaskBytes;
    let first = 0;
    while (first < t && !isReal(mb, first)) first++;
    if (first >= t) { // nothing real in this row
      memory.fill(o, 0, rowBytes);
      fillRow(a, -1, c);
      continue;
    }
    rowAccumulate(false, o, xb + <usize>first * rowBytes, c);
    fillRow(a, first, c);
    for (let s = first + 1; s < t; s++) {
      if (isReal(mb, s)) maxRow(o, a, xb + <usize>s * rowBytes, s, c);
    }
  }
  return STATUS_OK;
}

/** n int32 at p set to v. */
// @ts-ignore: decorator
@inline function fillRow(p: usize, v: i32, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), v);
}

/**
 * The lanes where a step's value v replaces the running max: v is greater or NaN, unless the
 * max is NaN already (the first NaN stays).
 */
// @ts-ignore: decorator
@inline function wins(best: v128, v: v128): v128 {
  return v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
}

/** best[0 .. n) = max(best, row) per lane; idx = step in the lanes where the row won. */
function maxRow(best: usize, idx: usize, row: usize, step: i32, n: i32): void {
  const s = i32x4.splat(step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const b = v128.load(best + off), v = v128.load(row + off);
    const w = wins(b, v);
    v128.store(best + off, v128.bitselect(v, b, w));
    v128.store(idx + off, v128.bitselect(s, v128.load(idx + off), w));
  }
  const rest = <usize>(n - i);
  if (rest != 0) {
    const off = <usize>i << 2;
    const b = loadTail(best + off, rest), v = loadTail(row + off, rest);
    const w = wins(b, v);
    storeTail(best + off, v128.bitselect(v, b, w), rest);
    storeTail(idx + off, v128.bitselect(s, loadTail(idx + off, rest), w), rest);
  }
}
