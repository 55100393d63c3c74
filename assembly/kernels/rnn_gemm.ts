// Strided f32 GEMMs for the recurrent layers (rnn.ts, autograd/rnn_grad.ts):
//
//   C[M,N] (+)= op(A)[M,K] · op(B)[K,N], every operand addressed through (row, column) strides,
//   C through its row stride ldc (floats). Element (i, k) of op(A) is at a + 4·(i·aRow + k·aCol).
//
// gemm_f32 wants dense row-major operands. A sequence layer works on slices: the rows of one time
// step inside a [batch, time, width] buffer (row stride time·width), one gate block of the
// recurrent kernel (columns 2U..3U of [U, 3U]), the transposed kernels of the backward pass. The
// packing routines of gemm.ts already take strides, so the same packed micro-kernels serve here.
//
// The recurrent kernel is the B operand of every step's GEMM, so it is packed ONCE per sequence
// (packPanels, all KC slices back to back) and each step only packs its few rows of A
// (gemmPanels): at batch 32 and 128 units, repacking B would copy as many floats per step as
// the A panel and the C tile together.
//
// Same K order as gemm_f32 (KC slices in order), so results do not depend on the tile.
import { arena_alloc_scoped, arena_mark, arena_release } from "../arena";
import { gemm_block, gemm_tile_mr, gemm_tile_nr } from "./gemm_ukernel";
import { gemmTile } from "./tiles";
import { GEMM_KC, gemmMc, pack_a, pack_b, packedABytes, packedBBytes } from "./gemm";

/** Bytes of op(B)[k, n] packed as consecutive KC slices of NR-column panels. */
export function packedPanelsBytes(n: i32, k: i32): usize {
  const nr = gemm_tile_nr(gemmTile);
  let bytes: usize = 0;
  for (let k0 = 0; k0 < k; k0 += GEMM_KC) bytes += packedBBytes(nr, n, min(GEMM_KC, k - k0));
  return bytes;
}

/** Bytes of the A-panel scratch gemmPanels needs for m rows and reduction k. */
export function packedAScratchBytes(m: i32, k: i32): usize {
  const mr = gemm_tile_mr(gemmTile);
  return packedABytes(mr, min(m, gemmMc(mr)), max(min(k, GEMM_KC), 1));
}

/** Packs op(B)[k, n] (element (kk, j) at b + 4·(kk·bRow + j·bCol)) into dst, no bias. */
export function packPanels(dst: usize, b: usize, n: i32, k: i32, bRow: usize, bCol: usize): void {
  const nr = gemm_tile_nr(gemmTile);
  for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
    const kc = min(GEMM_KC, k - k0);
    pack_b(nr, dst, b, 0, n, kc, k0, bRow, bCol);
    dst += packedBBytes(nr, n, kc);
  }
}

/** C (+)= op(A) · B with B from packPanels and aScratch of packedAScratchBytes(m, k). */
export function gemmPanels(c: usize, ldc: i32, a: usize, aRow: usize, aCol: usize, panels: usize,
    aScratch: usize, m: i32, n: i32, k: i32, accumulate: bool): void {
  const tile = gemmTile;
  const mr = gemm_tile_mr(tile), nr = gemm_tile_nr(tile), mcMax = gemmMc(mr);
  const cRowBytes = <usize>ldc << 2;
  if (k == 0 && !accumulate) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * cRowBytes, 0, <usize>n << 2);
  }
  for (let k0 = 0; k0 < k; k0 += GEMM_KC) {
    const kc = min(GEMM_KC, k - k0);
    for (let i0 = 0; i0 < m; i0 += mcMax) {
      const mc = min(mcMax, m - i0);
      pack_a(mr, aScratch, a, mc, kc, i0, k0, aRow, aCol);
      gemm_block(tile, c + <usize>i0 * cRowBytes, ldc, aScratch, panels, mc, n, kc,
        accumulate || k0 > 0, false);
    }
    panels += packedBBytes(nr, n, kc);
  }
}

/** C (+)= op(A) · op(B), all strided; packs into scoped scratch. Returns false when out of memory. */
export function gemmStrided(c: usize, ldc: i32, a: usize, aRow: usize, aCol: usize, b: usize,
    bRow: usize, bCol: usize, m: i32, n: i32, k: i32, accumulate: bool): bool {
  if (m <= 0 || n <= 0) return true;
  const mark = arena_mark();
  const panels = arena_alloc_scoped(packedPanelsBytes(n, k) + 16);
  const aScratch = arena_alloc_scoped(packedAScratchBytes(m, k));
  if (panels == 0 || aScratch == 0) {
    arena_release(mark);
    return false;
  }
  packPanels(panels, b, n, k, bRow, bCol);
  gemmPanels(c, ldc, a, aRow, aCol, panels, aScratch, m, n, k, accumulate);
  arena_release(mark);
  return true;
}
