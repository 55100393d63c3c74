// Strided batched f32 GEMM: the einsums of multi-head attention without transposes.
//
//   For every batch item b < B and head h < H:
//     C_bh[M, N] (+)= A_bh[M, K] · B_bh[K, N]
//   where element (i, k) of A_bh is at a + 4·(b·aBatch + h·aHead + i·aRow + k·aCol), element
//   (k, j) of B_bh at b + 4·(b·bBatch + h·bHead + k·bRow + j·bCol), and element (i, j) of C_bh at
//   c + 4·(b·cBatch + h·cHead + i·ldc + j) (rows of C strided, columns contiguous). All strides
//   are in elements, so any transpose or interleaving of (batch, step, head, feature) axes is a
//   choice of strides: Q·Kᵀ reads Q [B, T, H, D] and K [B, S, H, D] in place and writes scores
//   [B, H, T, S]; P·V writes the context straight into [B, T, H, D] (ldc = H·D).
//   accumulate != 0: C += A·B (C is read); 0: C = A·B.
//
// Each (b, h) item runs gemm_f32's blocked loops (KC slices of K, B packed once per slice, MC
// blocks of A packed, the build's micro-kernel tile with row stride ldc). Packing reads through
// the strides (pack_a / pack_b have fast paths for unit column or row strides), so a transposed
// operand costs one strided pass over it per item, O(K·(M+N)) against the O(M·N·K) product.
// The packing scratch is taken once for all items. The reduction order of each C element is
// gemm_f32's (K in KC slices, in order), independent of B and H.
//
// Status: 0, or -1 (STATUS_OOM) when the packing scratch cannot be had (nothing written).
// Memory contract: C must not overlap A or B. Never writes outside the C elements above.
import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_tile_mr, gemm_tile_nr } from "./gemm_ukernel";
import { gemmTile } from "./tiles";
import { GEMM_KC, STATUS_OK, STATUS_OOM, gemmMc, gemm_packed_block, pack_a, pack_b, packedABytes,
  packedBBytes } from "./gemm";

export function gemm_batched_f32(c: usize, a: usize, b: usize, batch: i32, heads: i32, m: i32, n: i32, k: i32,
    aBatch: i32, aHead: i32, aRow: i32, aCol: i32, bBatch: i32, bHead: i32, bRow: i32, bCol: i32,
    cBatch: i32, cHead: i32, ldc: i32, accumulate: i32): i32 {
  if (m <= 0 || n <= 0 || batch <= 0 || heads <= 0) return STATUS_OK;
  const tile = gemmTile;
  const mr = gemm_tile_mr(tile), nr = gemm_tile_nr(tile), mcMax = gemmMc(mr);
  const mark = arena_mark();
  const kcMax = max(min(k, GEMM_KC), 1);
  const bPacked = arena_alloc_scoped(packedBBytes(nr, n, kcMax));
  const aPacked = arena_alloc_scoped(packedABytes(mr, min(m, mcMax), kcMax));
  if (bPacked == 0 || aPacked == 0) {
    arena_release(mark);
    return STATUS_OOM;
  }
  const rowBytes = <usize>ldc << 2;
  for (let bi = 0; bi < batch; bi++) {
    for (let hi = 0; hi < heads; hi++) {
      const aItem = a + ((<usize>bi * <usize>aBatch + <usize>hi * <usize>aHead) << 2);
      const bItem = b + ((<usize>bi * <usize>bBatch + <usize>hi * <usize>bHead) << 2);
      const cItem = c + ((<usize>bi * <usize>cBatch + <usize>hi * <usize>cHead) << 2);
      if (k <= 0) {
        if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(cItem + <usize>i * rowBytes, 0, <usize>n << 2);
        continue;
      }
      for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
        const kc = min(GEMM_KC, k - k0);
        const add = k0 != 0 || accumulate != 0;
        pack_b(nr, bPacked, bItem, 0, n, kc, k0, <usize>bRow, <usize>bCol);
        for (let i0 = 0; i0 < m; i0 += mcMax) {
          const mc = min(mcMax, m - i0);
          pack_a(mr, aPacked, aItem, mc, kc, i0, k0, <usize>aRow, <usize>aCol);
          gemm_packed_block(tile, cItem + <usize>i0 * rowBytes, ldc, aPacked, bPacked, mc, n, kc, add, false, 0, 0);
        }
      }
    }
  }
  arena_release(mark);
  return STATUS_OK;
}
