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
// the register-blocked micro-kernel (gemm_ukernel.ts). MR x NR is the tile chosen at load time
// (tiles.ts: gemmTile); conv.ts's edge panels use the 4x8 tile of its conv tile's arithmetic.
// Bias sits at the head of each B panel; clamp-type activations (relu, relu6) are fused into the
// micro-kernel's last pass, the others run over each finished MC block while it is still in cache.
// KC is the same for every tile, so every tile sums each output element in the same order.
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
import { gemm_block, gemm_tile_mr, gemm_tile_nr } from "./gemm_ukernel";
import { setClampBounds } from "./tile_util";
import { gemmTile } from "./tiles";
import { activate, clampLo, clampHi, isClampActivation } from "./activation";
import { storeTranspose4x4 } from "../simd";
import { gemm_small_m, useSmallM } from "./gemm_small";

// @ts-ignore: decorator
@inline export const GEMM_KC: i32 = 256;
/** Rows per A block: whole panels of mr rows (64 rounded up), so only the matrix's last rows
 * take the edge-tile path. */
// @ts-ignore: decorator
@inline export function gemmMc(mr: i32): i32 {
  return (64 + mr - 1) / mr * mr;
}

/** Status codes shared by every kernel export. */
// @ts-ignore: decorator
@inline export const STATUS_OK: i32 = 0;
// @ts-ignore: decorator
@inline export const STATUS_OOM: i32 = -1;

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
    } else if (cols == nr && rowStride == 1) {
      // op(B) is a transposed matrix (a [N, K] row-major B, as dy·Wᵀ and Q·Kᵀ use): 4 k of 4
      // columns at a time, each a 4x4 transpose, instead of one scalar copy per element.
      const colBytes = colStride << 2;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        for (let j = 0; j < nr; j += 4) {
          const s = src + <usize>j * colBytes + (<usize>k << 2);
          storeTranspose4x4(dst + <usize>k * panelRowBytes + (<usize>j << 2), panelRowBytes, v128.load(s),
            v128.load(s + colBytes), v128.load(s + 2 * colBytes), v128.load(s + 3 * colBytes));
        }
      }
      for (; k < kc; k++) {
        let s = src + (<usize>k << 2);
        const d = dst + <usize>k * panelRowBytes;
        for (let j = 0; j < nr; j++) {
          store<f32>(d + (<usize>j << 2), load<f32>(s));
          s += colBytes;
        }
      }
      dst += <usize>kc * panelRowBytes;
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
  for (let r0 = 0; r0 < mc; r0 += mr) {
    const rows = min(mr, mc - r0);
    const base = a + ((<usize>(i0 + r0) * rowStride + <usize>k0 * colStride) << 2);
    if (rows == mr && colStride == 1) {
      // 4 k at a time: each group of 4 rows takes a 4x4 transpose from row-major into k-major,
      // a last pair of rows interleaves, a last single row goes lane by lane.
      let s = base;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        let g = 0;
        for (; g + 4 <= mr; g += 4) {
          const sg = s + <usize>g * rowBytes;
          storeTranspose4x4(dst + (<usize>g << 2), kBytes, v128.load(sg), v128.load(sg + rowBytes),
            v128.load(sg + 2 * rowBytes), v128.load(sg + 3 * rowBytes));
        }
        const d = dst + (<usize>g << 2);
        const sg = s + <usize>g * rowBytes;
        if (mr - g >= 2) {
          const ra = v128.load(sg), rb = v128.load(sg + rowBytes);
          const lo = i32x4.shuffle(ra, rb, 0, 4, 1, 5), hi = i32x4.shuffle(ra, rb, 2, 6, 3, 7);
          v128.store64_lane(d, lo, 0);
          v128.store64_lane(d + kBytes, lo, 1);
          v128.store64_lane(d + 2 * kBytes, hi, 0);
          v128.store64_lane(d + 3 * kBytes, hi, 1);
          g += 2;
        }
        if (mr - g == 1) {
          const r = v128.load(s + <usize>g * rowBytes);
          const d1 = dst + (<usize>g << 2);
          v128.store32_lane(d1, r, 0);
          v128.store32_lane(d1 + kBytes, r, 1);
          v128.store32_lane(d1 + 2 * kBytes, r, 2);
          v128.store32_lane(d1 + 3 * kBytes, r, 3);
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
    } else if (rows == mr && rowStride == 1) {
      // op(A) is a transposed matrix: the rows of one k are adjacent. Vectors, not memory.copy:
      // a call per k of 8-24 bytes cost a weight gradient (xᵀ·dy) about a quarter of its time.
      let s = base;
      const vecBytes = kBytes & ~(<usize>15);
      for (let k = 0; k < kc; k++) {
        let j: usize = 0;
        for (; j < vecBytes; j += 16) v128.store(dst + j, v128.load(s + j));
        for (; j < kBytes; j += 4) store<f32>(dst + j, load<f32>(s + j));
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
 * packed B block (nr-column panels) with gemm_ukernel's tile `tile` (its mr x nr).
 * accumulate: add to C (not the first KC slice); clamp: apply the fused clamp (last KC slice).
 */
export function gemm_packed_block(tile: i32, c: usize, ldc: i32, aPacked: usize,
    bPacked: usize, mc: i32, n: i32, kc: i32, accumulate: bool, clamp: bool, lo: f32,
    hi: f32): void {
  setClampBounds(lo, hi);
  gemm_block(tile, c, ldc, aPacked, bPacked, mc, n, kc, accumulate, clamp);
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
  const tile = gemmTile;
  const mr = gemm_tile_mr(tile), nr = gemm_tile_nr(tile), mcMax = gemmMc(mr);
  const mark = arena_mark();
  const kcMax = min(k, GEMM_KC);
  const bPacked = arena_alloc_scoped(packedBBytes(nr, n, max(kcMax, 1)));
  const aPacked = arena_alloc_scoped(packedABytes(mr, min(m, mcMax), max(kcMax, 1)));
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
    pack_b(nr, bPacked, b, bias, n, 0, 0, bRow, bCol);
    for (let i0 = 0; i0 < m; i0 += mcMax) {
      const mc = min(mcMax, m - i0);
      const cBlock = c + (<usize>i0 * <usize>n << 2);
      gemm_packed_block(tile, cBlock, n, aPacked, bPacked, mc, n, 0, false, clamp, lo, hi);
      activate(cBlock, mc * n, act, alpha);
    }
  }
  for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
    const kc = min(GEMM_KC, k - k0);
    const first = k0 == 0;
    const last = k0 + kc >= k;
    pack_b(nr, bPacked, b, first ? bias : 0, n, kc, k0, bRow, bCol);
    for (let i0 = 0; i0 < m; i0 += mcMax) {
      const mc = min(mcMax, m - i0);
      pack_a(mr, aPacked, a, mc, kc, i0, k0, aRow, aCol);
      const cBlock = c + (<usize>i0 * <usize>n << 2);
      gemm_packed_block(tile, cBlock, n, aPacked, bPacked, mc, n, kc, !first, last && clamp, lo,
        hi);
      if (last) activate(cBlock, mc * n, act, alpha);
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
