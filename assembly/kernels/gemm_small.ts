// f32 GEMM for a few rows of output with B row-major (transB = 0, the [in, out] layout of dense
// layers): C[M,N] = act(op(A)[M,K] · B[K,N] + bias[N]) without packing.
//
// gemm_f32's packed path copies all of B into panels first: one read and one write of K·N
// floats. With few rows of A (batch-1 inference, a matrix-vector product) that copy costs more
// than the product, which only has to stream B once. Here B is streamed in its own order: 4 rows
// of B at a time (4 sequential streams the prefetchers follow; walking B down its columns
// instead meets a new 4 KiB page every row and measured 2.8x slower at M = 1, N = 1024) are
// added into 2 rows of C at a time, C[i, :] += Σ_t A[i, k0+t] · B[k0+t, :], with the 8
// broadcasts of A in registers and each B vector loaded once for both rows (14 registers).
// The 4 rows of B (16 KiB at N = 1024) stay in L1 for the M rows of C, which live in L1/L2.
//
// Memory contract: reads exactly A, B and bias (row tails through loadTail); writes exactly C's
// M·N floats. C may not alias A or B.

import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { clip_f32 } from "./unary";
import { loadTail, madd4, storeTail } from "../simd";

/**
 * Whether gemm_f32 takes this path (for transB = 0): up to 8 rows always, up to 16 when B is
 * larger than L2 (packing it then streams it from memory twice). Measured against the packed
 * path: 16x1024x1024 1.18x vs 1.02x tfjs, 12x1024x1024 1.20x vs 0.96x, but 16x256x256 1.37x vs
 * 1.53x and 16x1024x64 1.25x vs 1.44x (B in L2: the packed kernel's speed wins).
 */
// @ts-ignore: decorator
@inline export function useSmallM(m: i32, n: i32, k: i32): bool {
  return m <= 8 || (m <= 16 && <u64>k * <u64>n >= (1 << 18));
}

/** 4 floats at p (tail == 0) or the first `tail` (1-3) of them, reading nothing past. */
// @ts-ignore: decorator
@inline function load4(p: usize, tail: usize): v128 {
  return tail ? loadTail(p, tail) : v128.load(p);
}

/**
 * One vector (4 columns at c, or the first `tail` of them) of `rows` (1 or 2) rows of C, cRowBytes
 * apart: C[r] += Σ_t A[r][t] · B[t] over `taps` (1 or 4) rows of B, rowBytes apart; the B
 * vectors are loaded once for both rows. s0-s3 broadcast row 0's A values, u0-u3 row 1's.
 */
// @ts-ignore: decorator
@inline function step(rows: i32, taps: i32, tail: usize, c: usize, cRowBytes: usize, b: usize,
    rowBytes: usize, s0: v128, s1: v128, s2: v128, s3: v128, u0: v128, u1: v128, u2: v128,
    u3: v128): void {
  const b0 = load4(b, tail);
  let b1 = b0, b2 = b0, b3 = b0;
  if (taps == 4) {
    b1 = load4(b + rowBytes, tail); b2 = load4(b + 2 * rowBytes, tail); b3 = load4(b + 3 * rowBytes, tail);
  }
  let c0 = madd4(s0, b0, load4(c, tail));
  if (taps == 4) c0 = madd4(s3, b3, madd4(s2, b2, madd4(s1, b1, c0)));
  if (tail) storeTail(c, c0, tail);
  else v128.store(c, c0);
  if (rows == 2) {
    const c1p = c + cRowBytes;
    let c1 = madd4(u0, b0, load4(c1p, tail));
    if (taps == 4) c1 = madd4(u3, b3, madd4(u2, b2, madd4(u1, b1, c1)));
    if (tail) storeTail(c1p, c1, tail);
    else v128.store(c1p, c1);
  }
}

/** `rows` (1 or 2) rows of C += Σ_t A[r][t] · B[t] for `taps` (1 or 4) rows of B of n floats. */
// @ts-ignore: decorator
@inline function addRows(rows: i32, taps: i32, c: usize, b: usize, rowBytes: usize, n: i32,
    s0: v128, s1: v128, s2: v128, s3: v128, u0: v128, u1: v128, u2: v128, u3: v128): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const off = <usize>j << 2;
    step(rows, taps, 0, c + off, rowBytes, b + off, rowBytes, s0, s1, s2, s3, u0, u1, u2, u3);
  }
  if (j < n) {
    const off = <usize>j << 2;
    step(rows, taps, <usize>(n - j), c + off, rowBytes, b + off, rowBytes, s0, s1, s2, s3, u0, u1,
      u2, u3);
  }
}

/** A[i][kk + t] broadcast, t = 0..3 (taps 4) or t = 0 (taps 1: the others repeat it). */
// @ts-ignore: decorator
@inline function splatA(a: usize, t: i32, aColBytes: usize, taps: i32): v128 {
  return taps == 4 ? v128.load32_splat(a + <usize>t * aColBytes) : v128.load32_splat(a);
}

/** Every row of C (in pairs, then the last one) += A[:, k0 .. k0+taps-1] · B[k0 .. k0+taps-1, :]. */
// @ts-ignore: decorator
@inline function addTaps(taps: i32, k0: i32, c: usize, a: usize, b: usize, m: i32, n: i32,
    aRowBytes: usize, aColBytes: usize): void {
  const rowBytes = <usize>n << 2;
  const bk = b + <usize>k0 * rowBytes;
  const ak = a + <usize>k0 * aColBytes;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = ak + <usize>i * aRowBytes, a1 = a0 + aRowBytes;
    addRows(2, taps, c + <usize>i * rowBytes, bk, rowBytes, n,
      splatA(a0, 0, aColBytes, taps), splatA(a0, 1, aColBytes, taps), splatA(a0, 2, aColBytes, taps),
      splatA(a0, 3, aColBytes, taps), splatA(a1, 0, aColBytes, taps), splatA(a1, 1, aColBytes, taps),
      splatA(a1, 2, aColBytes, taps), splatA(a1, 3, aColBytes, taps));
  }
  if (i < m) {
    const a0 = ak + <usize>i * aRowBytes;
    const s0 = splatA(a0, 0, aColBytes, taps), s1 = splatA(a0, 1, aColBytes, taps);
    const s2 = splatA(a0, 2, aColBytes, taps), s3 = splatA(a0, 3, aColBytes, taps);
    addRows(1, taps, c + <usize>i * rowBytes, bk, rowBytes, n, s0, s1, s2, s3, s0, s1, s2, s3);
  }
}

/**
 * C = act(op(A) · B + bias) for m rows, B row-major [k, n]. Element (i, kk) of op(A) is at
 * a + i·aRowBytes + kk·aColBytes.
 */
export function gemm_small_m(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32,
    aRowBytes: usize, aColBytes: usize, act: i32, alpha: f32): void {
  const rowBytes = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const ci = c + <usize>i * rowBytes;
    if (bias != 0) memory.copy(ci, bias, rowBytes);
    else memory.fill(ci, 0, rowBytes);
  }
  let k0 = 0;
  for (; k0 + 4 <= k; k0 += 4) addTaps(4, k0, c, a, b, m, n, aRowBytes, aColBytes);
  for (; k0 < k; k0++) addTaps(1, k0, c, a, b, m, n, aRowBytes, aColBytes);
  // relu / relu6 (which the packed path fuses into its last store) as a pass over the finished C.
  if (isClampActivation(act)) clip_f32(c, c, m * n, clampLo(act), clampHi(act));
  activate(c, m * n, act, alpha);
}
