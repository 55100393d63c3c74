// Backward pass of layer normalization over the last axis (../kernels/layernorm.ts).
//
//   R rows, N features; dx, dy, x: [R, N] f32; gamma, dgamma, dbeta: [N]; mean, rstd: [R] (the
//   forward's saved statistics).
//
//   layernorm_grad_f32(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, n)
//     With xhat = (x - mean)·rstd and g = dy·gamma (gamma = 0: g = dy), per row:
//       dx     = rstd·(g - Σ_n g / N - xhat·Σ_n g·xhat / N)
//     and over all rows:
//       dgamma = Σ_r dy·xhat,   dbeta = Σ_r dy.
//     dx, dgamma, dbeta may each be 0 (not computed); all are OVERWRITTEN (as softmax_grad_f32;
//     the tape adds gradients of tensors used twice). Returns 0.
//
// Loop shape: per row, pass 1 walks the row once with f32x4 (the two row sums, in f32 lanes
// folded into f64 every SUM_VECS vectors, and the column sums into dgamma/dbeta, which stay in
// L1 for any N a model uses), pass 2 writes dx. Tails by lane loads and stores: nothing is read
// or written past a row.
//
// Memory contract: dx may alias dy exactly (pass 2 reads dy[j] before writing dx[j]); dgamma and
// dbeta must not overlap anything else. Reads nothing past the inputs.
import { hsum4, loadTail, storeTail } from "../simd";
import { SUM_VECS } from "../kernels/layernorm";

// @ts-ignore: decorator
@inline function laneKeep(count: usize): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(<i32>count));
}

/** count (1..4) lanes at p: a whole vector when `full` (compile-time), else lane loads. */
// @ts-ignore: decorator
@inline function ld(p: usize, full: bool, count: usize): v128 {
  return full ? v128.load(p) : loadTail(p, count);
}
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, full: bool, count: usize): void {
  if (full) v128.store(p, v);
  else storeTail(p, v, count);
}

/** g = dy·gamma for the vector at byte offset j (dy itself without gamma). */
// @ts-ignore: decorator
@inline function gOf(dy: v128, gamma: usize, j: usize, full: bool, count: usize, hasGamma: bool): v128 {
  return hasGamma ? f32x4.mul(dy, ld(gamma + j, full, count)) : dy;
}

// @ts-ignore: decorator
@inline function gradRows(dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize, rstd: usize,
    gamma: usize, rows: i32, n: i32, hasGamma: bool): void {
  const bytes = <usize>n << 2;
  const whole = bytes & ~(<usize>15);
  const tail = (bytes - whole) >> 2;
  const keep = laneKeep(tail);
  const zero = f32x4.splat(0);
  const invN: f64 = 1 / <f64>n;
  if (dgamma != 0) memory.fill(dgamma, 0, bytes);
  if (dbeta != 0) memory.fill(dbeta, 0, bytes);
  for (let r = 0; r < rows; r++) {
    const vm = v128.load32_splat(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const vr = f32x4.splat(rs);
    // Pass 1: Σ g and Σ g·xhat (f32 lanes, folded into f64), dgamma += dy·xhat, dbeta += dy.
    let sumG: f64 = 0, sumGX: f64 = 0;
    let aG = zero, aGX = zero;
    let j: usize = 0, inBlock: usize = 0;
    for (; j < whole; j += 16) {
      const vdy = v128.load(dy + j);
      const xh = f32x4.mul(f32x4.sub(v128.load(x + j), vm), vr);
      const g = gOf(vdy, gamma, j, true, 4, hasGamma);
      aG = f32x4.add(aG, g);
      aGX = f32x4.add(aGX, f32x4.mul(g, xh));
      if (dgamma != 0) v128.store(dgamma + j, f32x4.add(v128.load(dgamma + j), f32x4.mul(vdy, xh)));
      if (dbeta != 0) v128.store(dbeta + j, f32x4.add(v128.load(dbeta + j), vdy));
      if (++inBlock == SUM_VECS) {
        sumG += <f64>hsum4(aG); sumGX += <f64>hsum4(aGX);
        aG = zero; aGX = zero; inBlock = 0;
      }
    }
    if (tail != 0) {
      const vdy = loadTail(dy + j, tail);
      const xh = v128.and(f32x4.mul(f32x4.sub(loadTail(x + j, tail), vm), vr), keep);
      const g = gOf(vdy, gamma, j, false, tail, hasGamma);
      aG = f32x4.add(aG, g);
      aGX = f32x4.add(aGX, f32x4.mul(g, xh));
      if (dgamma != 0) storeTail(dgamma + j, f32x4.add(loadTail(dgamma + j, tail), f32x4.mul(vdy, xh)), tail);
      if (dbeta != 0) storeTail(dbeta + j, f32x4.add(loadTail(dbeta + j, tail), vdy), tail);
    }
    sumG += <f64>hsum4(aG); sumGX += <f64>hsum4(aGX);
    // Pass 2: dx = rstd·(g - Σg/N - xhat·Σg·xhat/N).
    if (dx != 0) {
      const vmg = f32x4.splat(<f32>(sumG * invN));
      const vmgx = f32x4.splat(<f32>(sumGX * invN));
      for (j = 0; j < whole; j += 16) {
        const xh = f32x4.mul(f32x4.sub(v128.load(x + j), vm), vr);
        const g = gOf(v128.load(dy + j), gamma, j, true, 4, hasGamma);
        st(dx + j, f32x4.mul(vr, f32x4.sub(f32x4.sub(g, vmg), f32x4.mul(xh, vmgx))), true, 4);
      }
      if (tail != 0) {
        const xh = f32x4.mul(f32x4.sub(loadTail(x + j, tail), vm), vr);
        const g = gOf(loadTail(dy + j, tail), gamma, j, false, tail, hasGamma);
        st(dx + j, f32x4.mul(vr, f32x4.sub(f32x4.sub(g, vmg), f32x4.mul(xh, vmgx))), false, tail);
      }
    }
    x += bytes; dy += bytes;
    if (dx != 0) dx += bytes;
  }
}

export function layernorm_grad_f32(dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize,
    rstd: usize, gamma: usize, rows: i32, n: i32): i32 {
  if (n <= 0) return 0;
  if (gamma != 0) gradRows(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, n, true);
  else gradRows(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, n, false);
  return 0;
}
