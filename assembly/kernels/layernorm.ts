// Layer normalization over the last axis (Keras / tfjs-layers LayerNormalization, axis -1).
//
//   R rows (the product of every dim but the last), N features; x, y: [R, N] f32 row-major;
//   gamma, beta: [N] f32 (0: ones, zeros); mean, rstd: [R] f32 (0: not saved).
//
//   layernorm_f32(y, mean, rstd, x, gamma, beta, rows, n, epsilon)
//     mean_r = Σ_n x / N;  var_r = Σ_n (x - mean_r)² / N  (biased, as tf.moments);
//     rstd_r = 1 / sqrt(var_r + epsilon);  y = (x - mean_r)·rstd_r·gamma + beta.
//     Saves mean and rstd for layernorm_grad_f32 (autograd/layernorm_grad.ts). Returns 0.
//
// Accuracy: two passes (the mean, then Σ (x - mean)² around it), so rows with a large offset
// (x ≈ 1000 ± 1) lose nothing to cancellation; each sum takes at most SUM_VECS vectors in f32
// lanes before folding into f64; rstd is computed in f64 and rounded once.
//
// Loop shape: each row is contiguous: f32x4 along the row, 2 vectors per trip for the sums, then
// one, then a lane tail (loadTail / storeTail: nothing is read or written past a row, so rows
// need no padding). The four gamma/beta cases are separate compile-time instances of one loop.
//
// Memory contract: y may alias x exactly; mean, rstd must not overlap x or y. Reads nothing past
// x, gamma, beta; writes exactly y (and mean, rstd when given).
import { hsum4, loadTail, storeTail } from "../simd";

/** Vectors per f32 lane accumulator before a fold into f64. */
// @ts-ignore: decorator
@inline export const SUM_VECS: usize = 32;

/** Σ over `bytes`/4 floats at x of (x - c)^p for p = 1 (squared = false) or 2, in f64. */
// @ts-ignore: decorator
@inline export function rowMoment(x: usize, bytes: usize, c: f32, squared: bool): f64 {
  const vc = f32x4.splat(c);
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  while (bytes >= 32) {
    const end = x + (min(bytes, SUM_VECS * 32) & ~(<usize>31));
    bytes -= end - x;
    let a0 = zero, a1 = zero;
    do {
      const d0 = f32x4.sub(v128.load(x), vc), d1 = f32x4.sub(v128.load(x, 16), vc);
      a0 = f32x4.add(a0, squared ? f32x4.mul(d0, d0) : d0);
      a1 = f32x4.add(a1, squared ? f32x4.mul(d1, d1) : d1);
      x += 32;
    } while (x < end);
    total += <f64>hsum4(f32x4.add(a0, a1));
  }
  let a = zero;
  if (bytes >= 16) {
    const d = f32x4.sub(v128.load(x), vc);
    a = squared ? f32x4.mul(d, d) : d;
    bytes -= 16; x += 16;
  }
  if (bytes != 0) {
    // loadTail zero-fills the missing lanes; x - c would turn them into -c, so mask them out.
    const count = <i32>(bytes >> 2);
    const d = f32x4.sub(loadTail(x, bytes >> 2), vc);
    const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
    a = f32x4.add(a, v128.and(squared ? f32x4.mul(d, d) : d, keep));
  }
  return total + <f64>hsum4(a);
}

/** One row: y = (x - m)·r·gamma + beta, with the affine parts present as compile-time flags. */
// @ts-ignore: decorator
@inline function normalizeRow(y: usize, x: usize, gamma: usize, beta: usize, bytes: usize, m: f32, r: f32,
    hasGamma: bool, hasBeta: bool): void {
  const vm = f32x4.splat(m), vr = f32x4.splat(r);
  let j: usize = 0;
  for (; j + 16 <= bytes; j += 16) {
    let v = f32x4.mul(f32x4.sub(v128.load(x + j), vm), vr);
    if (hasGamma) v = f32x4.mul(v, v128.load(gamma + j));
    if (hasBeta) v = f32x4.add(v, v128.load(beta + j));
    v128.store(y + j, v);
  }
  if (j < bytes) {
    const count = (bytes - j) >> 2;
    let v = f32x4.mul(f32x4.sub(loadTail(x + j, count), vm), vr);
    if (hasGamma) v = f32x4.mul(v, loadTail(gamma + j, count));
    if (hasBeta) v = f32x4.add(v, loadTail(beta + j, count));
    storeTail(y + j, v, count);
  }
}

// @ts-ignore: decorator
@inline function layernormRows(y: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize,
    rows: i32, n: i32, epsilon: f32, hasGamma: bool, hasBeta: bool): void {
  const bytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const m = <f32>(rowMoment(x, bytes, 0, false) / <f64>n);
    const variance = rowMoment(x, bytes, m, true) / <f64>n;
    const s = <f32>(1 / Math.sqrt(variance + <f64>epsilon));
    if (mean != 0) store<f32>(mean + (<usize>r << 2), m);
    if (rstd != 0) store<f32>(rstd + (<usize>r << 2), s);
    normalizeRow(y, x, gamma, beta, bytes, m, s, hasGamma, hasBeta);
    x += bytes; y += bytes;
  }
}

export function layernorm_f32(y: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize,
    rows: i32, n: i32, epsilon: f32): i32 {
  if (n <= 0) return 0;
  if (gamma != 0 && beta != 0) layernormRows(y, mean, rstd, x, gamma, beta, rows, n, epsilon, true, true);
  else if (gamma != 0) layernormRows(y, mean, rstd, x, gamma, beta, rows, n, epsilon, true, false);
  else if (beta != 0) layernormRows(y, mean, rstd, x, gamma, beta, rows, n, epsilon, false, true);
  else layernormRows(y, mean, rstd, x, gamma, beta, rows, n, epsilon, false, false);
  return 0;
}
