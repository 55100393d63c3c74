// f32 GEMM: C[M,N] = act(op(A)[M,K] · op(B)[K,N] + bias[N])
//
//   M rows of the output, N columns, K the reduction; row-major everywhere.
//   A is [M,K] (transA = 0) or [K,M] (transA = 1); B is [K,N] (transB = 0) or [N,K] (transB = 1).
//   bias: N floats or 0. act: an ACT_* code from activation.ts, alpha its parameter.
//   C may not alias A or B. Never writes past C + 4·M·N.
//
// Blocking (Goto/BLIS order, as XNNPACK's f32-gemm drivers): for each KC slice of K, B is packed
// once into NR-column panels; for each MC block of rows, A is packed into MR-row panels; then
// every NR-column panel (kept in L1) meets every MR-row panel of the block (streamed from L2) in
// the register-blocked micro-kernel (gemm_ukernel.ts). MR x NR is GEMM_MR x GEMM_NR for gemm_f32
// (5x8 in the relaxed build, 2x16 in the SIMD128 one); conv.ts's tile is 4x8. Bias sits at the
// head of each B panel; clamp-type activations (relu, relu6) are fused into the micro-kernel's
// last pass, the others run over each finished MC block while it is still in cache.
//
// Packed formats (both zero-padded to whole panels, so the micro-kernel never branches):
//
//   B panel j (NR columns): ┌ bias[NR] ┬ B[k0,j..j+NR-1] ┬ B[k0+1, ..] ┬ ... ┬ B[k0+kc-1, ..] ┐
//   A panel i (MR rows):    ┌ A[i..i+MR-1, k0] ┬ A[i..i+MR-1, k0+1] ┬ ... ┐   (k-major)
//
// A few rows (useSmallM) with a row-major B skip the packing: gemm_small.ts streams B in place.
//
// Also exported for conv.ts: gemm_packed_block, which runs the inner loops on an A block that
// the caller packed itself (im2col straight into the packed format).

import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_ukernel, GEMM_MR, GEMM_NR, GEMM_TILE_MAX } from "./gemm_ukernel";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { storeTranspose4x4 } from "../simd";
import { gemm_small_m, useSmallM } from "./gemm_small";

// @ts-ignore: decorator
@inline export const GEMM_KC: i32 = 256;
// Rows per A block: whole panels of the build's tile (64 rows, 65 for 5-row panels), so that only
// the matrix's last rows take the edge-tile path.
// @ts-ignore: decorator
@inline export const GEMM_MC: i32 = (64 + GEMM_MR - 1) / GEMM_MR * GEMM_MR;

/** Status codes shared by every kernel export. */
// @ts-ignore: decorator
@inline export const STATUS_OK: i32 = 0;
// @ts-ignore: decorator
@inline export const STATUS_OOM: i32 = -1;

// Edge tiles (m < MR or n not a multiple of NR) are computed here, then copied out.
const edgeTile = memory.data(GEMM_TILE_MAX * 4, 16);

/** Bytes of one packed B block of kc rows and n columns in nr-column panels. */
// @ts-ignore: decorator
@inline export function packedBBytes(nr: i32, n: i32, kc: i32): usize {
  return <usize>((n + nr - 1) / nr) * <usize>(nr + kc * nr) << 2;
}

/** Bytes of one packed A block of mc rows and kc columns in mr-row panels. */
// @ts-ignore: decorator
@inline export function packedABytes(mr: i32, mc: i32, kc: i32): usize {
  return <usize>((mc + mr - 1) / mr * mr) * <usize>kc << 2;
}

/**
 * Packs rows k0..k0+kc-1 of op(B) (all n columns) into nr-column panels, bias at the head of
 * each (zeros when bias is 0). Element (k, j) of op(B) is at b + 4·(k·rowStride + j·colStride).
 */
export function pack_b(nr: i32, dst: usize, b: usize, bias: usize, n: i32, kc: i32, k0: i32,
    rowStride: usize, colStride: usize): void {
  const panelRowBytes = <usize>nr << 2;
  for (let j0 = 0; j0 < n; j0 += nr) {
    const cols = min(nr, n - j0);
    if (bias != 0 && cols == nr) {
      memory.copy(dst, bias + (<usize>j0 << 2), panelRowBytes);
    } else {
      memory.fill(dst, 0, panelRowBytes);
      if (bias != 0) memory.copy(dst, bias + (<usize>j0 << 2), <usize>cols << 2);
    }
    dst += panelRowBytes;
    let src = b + ((<usize>k0 * rowStride + <usize>j0 * colStride) << 2);
    const rowBytes = rowStride << 2;
    if (cols == nr && colStride == 1) {
      for (let k = 0; k < kc; k++) {
        for (let v: usize = 0; v < panelRowBytes; v += 16) v128.store(dst + v, v128.load(src + v));
        dst += panelRowBytes;
        src += rowBytes;
      }
    } else {
      const colBytes = colStride << 2;
      for (let k = 0; k < kc; k++) {
        memory.fill(dst, 0, panelRowBytes);
        let s = src;
        for (let j = 0; j < cols; j++) {
          store<f32>(dst + (<usize>j << 2), load<f32>(s));
          s += colBytes;
        }
        dst += panelRowBytes;
        src += rowBytes;
      }
    }
  }
}

/**
 * Packs rows i0..i0+mc-1, columns k0..k0+kc-1 of op(A) into mr-row k-major panels, zero rows
 * past mc. Element (i, k) of op(A) is at a + 4·(i·rowStride + k·colStride).
 */
export function pack_a(mr: i32, dst: usize, a: usize, mc: i32, kc: i32, i0: i32, k0: i32,
    rowStride: usize, colStride: usize): void {
  const rowBytes = rowStride << 2;
  const colBytes = colStride << 2;
  const kBytes = <usize>mr << 2; // one k step of a panel
  // Whole panels of the tiles' 2, 4 or 5 rows take the vector paths; the last rows the scalar.
  const vectorTile = mr == 2 || mr == 4 || mr == 5;
  for (let r0 = 0; r0 < mc; r0 += mr) {
    const rows = min(mr, mc - r0);
    const base = a + ((<usize>(i0 + r0) * rowStride + <usize>k0 * colStride) << 2);
    if (vectorTile && rows == mr && colStride == 1) {
      // 4 k at a time: 2 rows interleave; 4 rows take a 4x4 transpose from row-major into
      // k-major, and row 4 (of a 5-row panel) goes lane by lane into the fifth slot of each k.
      let s = base;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        if (mr == 2) {
          const r0 = v128.load(s), r1 = v128.load(s + rowBytes);
          v128.store(dst, i32x4.shuffle(r0, r1, 0, 4, 1, 5));
          v128.store(dst, i32x4.shuffle(r0, r1, 2, 6, 3, 7), 16);
        } else {
          storeTranspose4x4(dst, kBytes, v128.load(s), v128.load(s + rowBytes),
            v128.load(s + 2 * rowBytes), v128.load(s + 3 * rowBytes));
        }
        if (mr == 5) {
          const r4 = v128.load(s + 4 * rowBytes);
          v128.store32_lane(dst, r4, 0, 16);
          v128.store32_lane(dst, r4, 1, 36);
          v128.store32_lane(dst, r4, 2, 56);
          v128.store32_lane(dst, r4, 3, 76);
        }
        dst += kBytes << 2;
        s += 16;
      }
      for (; k < kc; k++) {
        let sr = s;
        for (let r = 0; r < mr; r++) {
          store<f32>(dst + (<usize>r << 2), load<f32>(sr));
          sr += rowBytes;
        }
        dst += kBytes;
        s += 4;
      }
    } else if (vectorTile && rows == mr && rowStride == 1) {
      // op(A) is a transposed matrix: the rows of one k are adjacent.
      let s = base;
      for (let k = 0; k < kc; k++) {
        if (mr == 2) {
          store<u64>(dst, load<u64>(s));
        } else {
          v128.store(dst, v128.load(s));
          if (mr == 5) store<f32>(dst, load<f32>(s, 16), 16);
        }
        dst += kBytes;
        s += colBytes;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        let s = base + <usize>k * colBytes;
        for (let r = 0; r < mr; r++) {
          store<f32>(dst, r < rows ? load<f32>(s) : 0);
          dst += 4;
          s += rowBytes;
        }
      }
    }
  }
}

/**
 * C[mc, n] (+)= Apacked[mc, kc] · Bpacked[kc, n] for one packed A block (mr-row panels) and one
 * packed B block (nr-column panels); mr x nr is one of gemm_ukernel's tiles.
 * accumulate: add to C (not the first KC slice); clamp: apply the fused clamp (last KC slice).
 */
export function gemm_packed_block(mr: i32, nr: i32, c: usize, ldc: i32, aPacked: usize,
    bPacked: usize, mc: i32, n: i32, kc: i32, accumulate: bool, clamp: bool, lo: f32,
    hi: f32): void {
  const cStride = <usize>ldc << 2;
  const tileStride = <usize>nr << 2;
  const aPanelBytes = <usize>(mr * kc) << 2;
  const bPanelBytes = <usize>(nr + kc * nr) << 2;
  let bp = bPacked;
  for (let j0 = 0; j0 < n; j0 += nr) {
    const cols = min(nr, n - j0);
    let ap = aPacked;
    let cRow = c + (<usize>j0 << 2);
    for (let i0 = 0; i0 < mc; i0 += mr) {
      const rows = min(mr, mc - i0);
      if (rows == mr && cols == nr) {
        gemm_ukernel(mr, nr, kc, ap, bp, cRow, cStride, accumulate, clamp, lo, hi);
      } else {
        if (accumulate) copyTile(edgeTile, tileStride, cRow, cStride, rows, cols);
        gemm_ukernel(mr, nr, kc, ap, bp, edgeTile, tileStride, accumulate, clamp, lo, hi);
        copyTile(cRow, cStride, edgeTile, tileStride, rows, cols);
      }
      ap += aPanelBytes;
      cRow += cStride * <usize>mr;
    }
    bp += bPanelBytes;
  }
}

/** Copies rows x cols floats between two row-strided tiles (strides in bytes). */
export function copyTile(dst: usize, dstStride: usize, src: usize, srcStride: usize, rows: i32,
    cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, bytes);
    dst += dstStride;
    src += srcStride;
  }
}

/** The exported GEMM. Returns STATUS_OK, or STATUS_OOM when packing scratch cannot be had. */
export function gemm_f32(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32,
    transA: i32, transB: i32, act: i32, alpha: f32): i32 {
  if (m <= 0 || n <= 0) return STATUS_OK;
  if (!transB && useSmallM(m, n, k)) {
    // A few rows against a row-major B: read B in place rather than pack it (gemm_small.ts).
    const aRowBytes: usize = transA ? 4 : <usize>k << 2;
    const aColBytes: usize = transA ? <usize>m << 2 : 4;
    gemm_small_m(c, a, b, bias, m, n, k, aRowBytes, aColBytes, act, alpha);
    return STATUS_OK;
  }
  const mark = arena_mark();
  const kcMax = min(k, GEMM_KC);
  const bPacked = arena_alloc_scoped(packedBBytes(GEMM_NR, n, max(kcMax, 1)));
  const aPacked = arena_alloc_scoped(packedABytes(GEMM_MR, min(m, GEMM_MC), max(kcMax, 1)));
  if (bPacked == 0 || aPacked == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  // Strides of op(A) and op(B) in elements: (row, column).
  const aRow: usize = transA ? 1 : <usize>k;
  const aCol: usize = transA ? <usize>m : 1;
  const bRow: usize = transB ? 1 : <usize>n;
  const bCol: usize = transB ? <usize>k : 1;
  const clamp = isClampActivation(act);
  const lo = clampLo(act), hi = clampHi(act);
  if (k == 0) {
    // Empty reduction: C = act(bias).
    pack_b(GEMM_NR, bPacked, b, bias, n, 0, 0, bRow, bCol);
    for (let i0 = 0; i0 < m; i0 += GEMM_MC) {
      const mc = min(GEMM_MC, m - i0);
      const cBlock = c + (<usize>i0 * <usize>n << 2);
      gemm_packed_block(GEMM_MR, GEMM_NR, cBlock, n, aPacked, bPacked, mc, n, 0, false, clamp, lo,
        hi);
      activate(cBlock, mc * n, act, alpha);
    }
  }
  for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
    const kc = min(GEMM_KC, k - k0);
    const first = k0 == 0;
    const last = k0 + kc >= k;
    pack_b(GEMM_NR, bPacked, b, first ? bias : 0, n, kc, k0, bRow, bCol);
    for (let i0 = 0; i0 < m; i0 += GEMM_MC) {
      const mc = min(GEMM_MC, m - i0);
      pack_a(GEMM_MR, aPacked, a, mc, kc, i0, k0, aRow, aCol);
      const cBlock = c + (<usize>i0 * <usize>n << 2);
      gemm_packed_block(GEMM_MR, GEMM_NR, cBlock, n, aPacked, bPacked, mc, n, kc, !first,
        last && clamp, lo, hi);
      if (last) activate(cBlock, mc * n, act, alpha);
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
